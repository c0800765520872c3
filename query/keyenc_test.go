package query

import (
	"cmp"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf16"
)

// keyEdgeValues are the values where an order-preserving encoding is most
// likely to slip: signed zeros, NaN, infinities, integers beyond 2^53 that
// share a float64, prefixes of strings, arrays and maps, and other kinds.
var keyEdgeValues = []any{
	Missing, nil, false, true,
	math.NaN(), math.Inf(-1), -1e300, int64(math.MinInt64), -2.5, int64(-1), math.Copysign(0, -1), 0.0, int64(0),
	0.5, int64(1), 1.0, int64(1 << 53), float64(1 << 53), int64(1<<53 + 1), int64(1<<53 + 2),
	int64(math.MaxInt64 - 1), int64(math.MaxInt64), float64(math.MaxInt64), 1e300, math.Inf(1),
	"", "a", "a\x00", "ab", "b", "é", "\uffff", "😀", "\ue000",
	[]any{}, []any{nil}, []any{int64(1)}, []any{int64(1), "a"}, []any{"a"}, []any{[]any{}},
	map[string]any{}, map[string]any{"": nil}, map[string]any{"a": int64(1)}, map[string]any{"a": int64(1), "b": false},
	map[string]any{"b": nil}, uint64(7), struct{}{},
}

// utf16Compare compares as JavaScript (and IndexedDB) compare strings.
func utf16Compare(a, b string) int {
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			return cmp.Compare(x[i], y[i])
		}
	}
	return cmp.Compare(len(x), len(y))
}

func checkKeyOrder(t *testing.T, a, b any) {
	t.Helper()
	ka, kb := EncodeKey(a), EncodeKey(b)
	want := Compare(a, b)
	if got := sign(strings.Compare(ka, kb)); got != want {
		t.Fatalf("Compare(%#v, %#v) = %d but their keys %q, %q compare %d", a, b, want, ka, kb, got)
	}
	if got := sign(utf16Compare(ka, kb)); got != want {
		t.Fatalf("keys %q, %q compare %d as UTF-16, want %d", ka, kb, got, want)
	}
	if want != 0 && (strings.HasPrefix(ka, kb) || strings.HasPrefix(kb, ka)) {
		t.Fatalf("key %q is a prefix of %q", ka, kb)
	}
}

func TestEncodeKeyOrdersEdgeValues(t *testing.T) {
	for _, a := range keyEdgeValues {
		for _, b := range keyEdgeValues {
			checkKeyOrder(t, a, b)
		}
	}
}

// TestEncodeKeyOrdersRandomValues is the property test: on random nested
// values the keys' byte order is Compare's order.
func TestEncodeKeyOrdersRandomValues(t *testing.T) {
	g := newGen(11)
	values := make([]any, 400)
	for i := range values {
		values[i] = g.value(3)
	}
	for _, a := range values {
		for _, b := range values {
			checkKeyOrder(t, a, b)
		}
	}
}

// FuzzEncodeKey decodes two JSON values from fuzz input (numbers as float64,
// or as int64 when the text is an integer) and checks their keys' order.
func FuzzEncodeKey(f *testing.F) {
	f.Add(`[1, 1.5]`, `{"a":[null,true]}`)
	f.Add(`"ab"`, `"a"`)
	f.Add(`9007199254740993`, `9007199254740992.0`)
	f.Fuzz(func(t *testing.T, x, y string) {
		a, okA := fuzzValue(x)
		b, okB := fuzzValue(y)
		if okA && okB {
			checkKeyOrder(t, a, b)
		}
	})
}

func fuzzValue(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return fromJSONNumbers(v), true
}

func fromJSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSONNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromJSONNumbers(x[k])
		}
	}
	return v
}
