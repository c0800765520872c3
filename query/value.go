package query

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// kind is the type class of a value; kinds order values of different types.
type kind int

const (
	kindMissing kind = iota
	kindNull
	kindBool
	kindNumber
	kindString
	kindArray
	kindMap
	kindOther
)

type missingKey struct{}

// Missing is the key an index holds for a document that lacks the indexed
// field. Compare orders it before every value, null included.
var Missing any = missingKey{}

func kindOf(v any) kind {
	switch v.(type) {
	case missingKey:
		return kindMissing
	case nil:
		return kindNull
	case bool:
		return kindBool
	case float64, int64, int, int32, float32:
		return kindNumber
	case string:
		return kindString
	case []any:
		return kindArray
	case map[string]any:
		return kindMap
	}
	return kindOther
}

// Compare orders two document values and returns -1, 0 or +1. The order is
// total across types: Missing < null < false < true < numbers < strings <
// arrays < maps < anything else. Numbers compare numerically whatever their
// Go type (int64(1) equals float64(1)); NaN is the smallest number and equals
// itself. Strings compare bytewise (Unicode code point order). Arrays compare
// element by element, a prefix first. Maps compare as their key-sorted
// (key, value) sequences. Values of unsupported types compare equal.
func Compare(a, b any) int {
	// Index keys are mostly numbers and strings of one type: compare those
	// without classifying them first.
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	}
	ka, kb := kindOf(a), kindOf(b)
	if ka != kb {
		return cmp.Compare(ka, kb)
	}
	switch ka {
	case kindBool:
		return compareBools(a.(bool), b.(bool))
	case kindNumber:
		return compareNumbers(a, b)
	case kindString:
		return strings.Compare(a.(string), b.(string))
	case kindArray:
		return slices.CompareFunc(a.([]any), b.([]any), Compare)
	case kindMap:
		return compareMaps(a.(map[string]any), b.(map[string]any))
	}
	return 0
}

func compareBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// number returns v as an int64 (isInt) or a float64.
func number(v any) (i int64, f float64, isInt bool) {
	switch n := v.(type) {
	case int64:
		return n, 0, true
	case int:
		return int64(n), 0, true
	case int32:
		return int64(n), 0, true
	case float32:
		return 0, float64(n), false
	case float64:
		return 0, n, false
	}
	return 0, 0, true
}

func compareNumbers(a, b any) int {
	ai, af, aInt := number(a)
	bi, bf, bInt := number(b)
	switch {
	case aInt && bInt:
		return cmp.Compare(ai, bi)
	case !aInt && !bInt:
		return cmp.Compare(af, bf)
	case aInt:
		return compareIntFloat(ai, bf)
	}
	return -compareIntFloat(bi, af)
}

// compareIntFloat compares exactly, without rounding i to a float64.
func compareIntFloat(i int64, f float64) int {
	switch {
	case math.IsNaN(f):
		return 1
	case f >= math.MaxInt64: // 2^63 and beyond
		return -1
	case f < math.MinInt64:
		return 1
	case f == math.Trunc(f):
		return cmp.Compare(i, int64(f))
	}
	// f has a fraction, so |f| < 2^53 and float64(i) never equals it;
	// rounding i is monotonic, which keeps the order right.
	return cmp.Compare(float64(i), f)
}

func compareMaps(a, b map[string]any) int {
	ka, kb := sortedKeys(a), sortedKeys(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if c := strings.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
		if c := Compare(a[ka[i]], b[kb[i]]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ka), len(kb))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// splitPath splits a dot path into its segments.
func splitPath(field string) ([]string, bool) {
	if field == "" {
		return nil, false
	}
	segs := strings.Split(field, ".")
	if slices.Contains(segs, "") {
		return nil, false
	}
	return segs, true
}

// lookup returns the value at path in doc. The single-segment path "id"
// yields the document id.
func lookup(id string, doc map[string]any, path []string) (any, bool) {
	if len(path) == 1 && path[0] == "id" {
		return id, true
	}
	var cur any = doc
	for _, seg := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// key returns the value at path, or Missing.
func key(id string, doc map[string]any, path []string) any {
	if v, ok := lookup(id, doc, path); ok {
		return v
	}
	return Missing
}

// normalize checks that v is a supported value and converts int, int32 and
// float32 to int64 and float64, copying arrays and maps.
func normalize(v any) (any, bool) {
	switch x := v.(type) {
	case nil, bool, string, float64, int64:
		return v, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case float32:
		return float64(x), true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, ok := normalize(e)
			if !ok {
				return nil, false
			}
			out[i] = n
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, ok := normalize(e)
			if !ok {
				return nil, false
			}
			out[k] = n
		}
		return out, true
	}
	return nil, false
}
