//go:build js && wasm

package jsbridge

import (
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/internal/jsonops"
)

// The JSON path must give the engine what the converter gave it: for every
// JSON-representable value, jsonops.Decode(JSON.stringify(v)) == toGo(v).
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
		got, err := jsonops.Decode(s)
		if err != nil {
			t.Fatalf("jsonops.Decode(%s): %v", s, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("jsonops.Decode(%s)\n = %#v\nwant %#v", s, got, want)
		}
	}
}
