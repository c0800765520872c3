//go:build js && wasm

package jsbridge

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Results cross to JS as JSON text, which the npm package's engine.js parses
// with the browser's native JSON.parse: one string crossing instead of one
// syscall/js call per key and value (the per-value crossing cost most of a
// subscription callback's time).

// appendJSON appends v, a JSON-like value as the engine returns, to b.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendJSONString(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b, fmt.Errorf("cannot send %v to JavaScript as JSON", x)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		return appendJSONObject(b, x)
	default:
		return b, fmt.Errorf("cannot send %T to JavaScript", v)
	}
}

// appendJSONObject writes keys "id" first, then sorted, so results have a
// stable shape whatever Go's map order.
func appendJSONObject(b []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if i := slices.Index(keys, "id"); i > 0 {
		copy(keys[1:i+1], keys[:i])
		keys[0] = "id"
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Invalid UTF-8 (which the
// engine never stores) becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	return append(b, '"')
}
