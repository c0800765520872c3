//go:build js && wasm

package jsbridge

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// jsEval evaluates a JS expression in the page.
func jsEval(t *testing.T, expr string) safejs.Value {
	t.Helper()
	fn, err := safejs.Global().Get("Function")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fn.New("return (" + expr + ")")
	if err != nil {
		t.Fatalf("compile %s: %v", expr, err)
	}
	v, err := f.Invoke()
	if err != nil {
		t.Fatalf("run %s: %v", expr, err)
	}
	return v
}

func TestToGoConvertsJSONLikeValues(t *testing.T) {
	got, err := toGo(jsEval(t, `{id: "x", n: 1.5, b: true, z: null, u: undefined, s: "é😀", a: [1, "two", null, undefined, {k: []}], o: Object.create(null)}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": "x", "n": 1.5, "b": true, "z": nil, "s": "é😀",
		"a": []any{1.0, "two", nil, nil, map[string]any{"k": []any{}}},
		"o": map[string]any{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("toGo = %#v\nwant %#v", got, want)
	}
}

func TestToGoRejectsNonJSONValues(t *testing.T) {
	cases := map[string]string{
		`{f: function() {}}`:                             `"f" is a function`,
		`{a: [{s: Symbol("x")}]}`:                        `"a[0].s" is a symbol`,
		`(() => { const o = {}; o.me = o; return o })()`: `"me" refers back to an enclosing object`,
		`{d: new Date(0)}`:                               `"d" is a Date`,
		`{m: new Map()}`:                                 `"m" is a Map`,
		`{n: 1n}`:                                        `unsupported JavaScript type`,
		`{u8: new Uint8Array(2)}`:                        `"u8" is a Uint8Array`,
	}
	for expr, want := range cases {
		_, err := toGo(jsEval(t, expr))
		if !errors.Is(err, engine.ErrInvalidArgument) || !strings.Contains(err.Error(), want) {
			t.Errorf("toGo(%s) error = %v, want InvalidArgument containing %q", expr, err, want)
		}
	}
}

func TestSharedButAcyclicObjectsAreAllowed(t *testing.T) {
	got, err := toGo(jsEval(t, `(() => { const s = {v: 1}; return {a: s, b: [s, s]} })()`))
	if err != nil {
		t.Fatalf("a DAG is not a cycle: %v", err)
	}
	m := map[string]any{"v": 1.0}
	if want := map[string]any{"a": m, "b": []any{m, m}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("toGo = %v, want %v", got, want)
	}
}

// Results cross as JSON text: JSON.parse of it, converted back, is the
// value, with "id" first and the other keys sorted.
func TestResultsCrossAsJSON(t *testing.T) {
	doc := map[string]any{"z": "a\"b\\c\n\x01é😀", "id": "1", "n": int64(3), "f": 0.25, "big": 1e21, "l": []any{"x", map[string]any{"y": false}}, "nil": nil}
	text, err := wire(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"1","big":1e+21,"f":0.25,"l":["x",{"y":false}],"n":3,"nil":null,"z":"a\"b\\c\u000a\u0001é😀"}`
	if text != want {
		t.Fatalf("wire = %s\nwant %s", text, want)
	}
	parsed, err := lookup("JSON").Call("parse", text)
	if err != nil {
		t.Fatalf("JSON.parse: %v", err)
	}
	back, err := toGo(parsed)
	if err != nil {
		t.Fatal(err)
	}
	doc["n"] = 3.0
	if !reflect.DeepEqual(back, doc) {
		t.Fatalf("round trip = %#v, want %#v", back, doc)
	}
	if v, err := wire(undefined{}); err != nil || !v.(safejs.Value).IsUndefined() {
		t.Fatalf("wire(undefined) = %v, %v", v, err)
	}
}
