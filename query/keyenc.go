package query

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
)

// Key tags open every encoded key; their order is the order of kinds in
// Compare.
const (
	tagMissing = '0'
	tagNull    = '1'
	tagFalse   = '2'
	tagTrue    = '3'
	tagNumber  = '4'
	tagString  = '5'
	tagArray   = '6'
	tagMap     = '7'
	tagOther   = '8'
	// tagEnd closes an array or a map; it sorts before every tag, so a
	// prefix sorts first. It is also what a string's hex ends with.
	tagEnd    = '!'
	stringEnd = '"'
)

// EncodeKey returns a string whose byte order is the order of Compare:
// strings.Compare(EncodeKey(a), EncodeKey(b)) has the sign of Compare(a, b)
// for every pair of values, and values that Compare calls equal encode
// alike. The encoding is printable ASCII, so it sorts the same as a
// JavaScript string (UTF-16 code units, as IndexedDB compares keys), and no
// encoding is a prefix of another. Persisted indexes are keyed by it.
func EncodeKey(v any) string {
	return string(appendKey(nil, v))
}

func appendKey(b []byte, v any) []byte {
	switch kindOf(v) {
	case kindMissing:
		return append(b, tagMissing)
	case kindNull:
		return append(b, tagNull)
	case kindBool:
		if v.(bool) {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case kindNumber:
		return appendNumber(append(b, tagNumber), v)
	case kindString:
		return appendString(append(b, tagString), v.(string))
	case kindArray:
		b = append(b, tagArray)
		for _, e := range v.([]any) {
			b = appendKey(b, e)
		}
		return append(b, tagEnd)
	case kindMap:
		m := v.(map[string]any)
		b = append(b, tagMap)
		for _, k := range sortedKeys(m) {
			b = appendKey(appendString(b, k), m[k])
		}
		return append(b, tagEnd)
	}
	return append(b, tagOther)
}

// appendString appends s as hex (which keeps byte order and is ASCII) and
// an end mark that sorts before every hex digit, so a prefix sorts first.
func appendString(b []byte, s string) []byte {
	return append(hex.AppendEncode(b, []byte(s)), stringEnd)
}

// appendNumber appends 16 hex digits of the number's float64, ordered, and
// 8 of the distance from an integer to that float, so that integers beyond
// 2^53 which round to the same float64 still sort exactly.
func appendNumber(b []byte, v any) []byte {
	i, f, isInt := number(v)
	var rest int64
	if isInt {
		f = float64(i)
		rest = intRest(i, f)
	}
	b = appendHex(b, orderedFloat(f), 16)
	return appendHex(b, uint64(rest+math.MaxInt32+1), 8)
}

// orderedFloat maps f to an unsigned integer of the same order: NaN first
// (Compare's smallest number), then -Inf … +Inf, with -0 equal to 0.
func orderedFloat(f float64) uint64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f == 0:
		f = 0 // -0 and 0 compare equal
	}
	bits := math.Float64bits(f)
	if bits>>63 == 1 {
		return ^bits
	}
	return bits | 1<<63
}

// intRest is i minus f, its float64 rounding: within ±2^10 for any int64.
func intRest(i int64, f float64) int64 {
	if f >= math.MaxInt64 { // rounded up to 2^63, which int64 cannot hold
		return i + math.MinInt64 // i - 2^63, exact as i > 0
	}
	return i - int64(f)
}

func appendHex(b []byte, n uint64, digits int) []byte {
	s := strconv.FormatUint(n, 16)
	for range digits - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// CheckField returns an error wrapping ErrField unless field is a dot path
// of non-empty segments.
func CheckField(field string) error {
	if _, ok := splitPath(field); !ok {
		return fmt.Errorf("%w: %q", ErrField, field)
	}
	return nil
}

// KeyOf returns the value at the dot path field of document id (the path
// "id" yields the id), or Missing: the key an index on field holds for the
// document.
func KeyOf(id string, doc map[string]any, field string) any {
	path, ok := splitPath(field)
	if !ok {
		return Missing
	}
	return key(id, doc, path)
}
