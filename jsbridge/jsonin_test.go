//go:build js && wasm

package jsbridge

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

// The JSON path must give the engine what the converter gave it: for every
// JSON-representable value, decodeJSON(JSON.stringify(v)) == toGo(v).
func TestDecodeJSONMatchesConverter(t *testing.T) {
	exprs := []string{
		`{id: "x", n: 1.5, b: true, z: null, u: undefined, s: "é😀", a: [1, "two", null, undefined, {k: []}], o: Object.create(null)}`,
		`[0, -1, 42, 1700000000000, 999999999999999, 1e15, 2**53 + 2, -(2**60), 0.1, 0.1 + 0.2, -1.5e-7, 1e21, 1.7976931348623157e308, 5e-324, 1/3]`,
		`["", "quote \" backslash \\ slash /", "\t\n\r\b\f\u0000\u001f\u007f", "\u2028\u2029 中文", "lone \ud800 high", "lone \udc00 low", "\ud800\ud800", "pair \ud83d\ude00"]`,
		`{"": {"key with.dot": [[], {}, [true, false]]}, "k\"ey\n": "é"}`,
	}
	for _, expr := range exprs {
		v := jsEval(t, expr)
		want, err := toGo(v)
		if err != nil {
			t.Fatalf("toGo(%s): %v", expr, err)
		}
		text, err := lookup("JSON").Call("stringify", v)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := text.String()
		got, err := decodeJSON(s)
		if err != nil {
			t.Fatalf("decodeJSON(%s): %v", s, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeJSON(%s)\n = %#v\nwant %#v", s, got, want)
		}
	}
}

// NaN and the infinities cross as bare tokens, so the engine, not the
// bridge, refuses them (as it did when numbers crossed one by one).
func TestDecodeJSONNonFiniteTokens(t *testing.T) {
	got, err := decodeJSON(`[NaN, Infinity, -Infinity, -0, 12, -7, 123456789012345678, 1.25e-3]`)
	if err != nil {
		t.Fatal(err)
	}
	l := got.([]any)
	if !math.IsNaN(l[0].(float64)) || !math.IsInf(l[1].(float64), 1) || !math.IsInf(l[2].(float64), -1) {
		t.Errorf("non-finite tokens = %v", l[:3])
	}
	if f := l[3].(float64); f != 0 || !math.Signbit(f) {
		t.Errorf("-0 = %v (sign %v)", f, math.Signbit(f))
	}
	if want := []any{12.0, -7.0, 123456789012345678.0, 1.25e-3}; !reflect.DeepEqual(l[4:], want) {
		t.Errorf("numbers = %v, want %v", l[4:], want)
	}
}

func TestDecodeJSONRejectsMalformedText(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if _, err := decodeJSON(deep(maxJSONDepth)); err != nil {
		t.Errorf("nesting of %d: %v", maxJSONDepth, err)
	}
	bad := []string{
		"", " ", "[", "]", "{", `{"a"}`, `{"a":}`, `{"a":1,}`, `{a:1}`, "[1,]", "[1 2]", "1 2", "nul", "tru",
		`"abc`, `"a\x"`, `"\u12"`, `"\uzzzz"`, "\"a\nb\"", "+1", ".5", "1e400", "Inf", "NaNx", "-", "--1", "[1]x",
		deep(maxJSONDepth + 1),
	}
	for _, text := range bad {
		if v, err := decodeJSON(text); !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("decodeJSON(%q) = %v, %v; want an InvalidArgumentError", text, v, err)
		}
	}
}

func TestJSONOpsWantsAnArrayOfObjects(t *testing.T) {
	ops, err := jsonOps(`[{"kind":"put","collection":"c","value":{"id":"a","n":1}},{"kind":"delete","collection":"c","id":"b"}]`)
	if err != nil || len(ops) != 2 || ops[0]["value"].(map[string]any)["n"] != 1.0 || ops[1]["id"] != "b" {
		t.Fatalf("jsonOps = %v, %v", ops, err)
	}
	for _, text := range []string{`{}`, `"x"`, `[1]`, `[{}, null]`} {
		if _, err := jsonOps(text); !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("jsonOps(%s) error = %v, want InvalidArgument", text, err)
		}
	}
}
