package engine

import (
	"encoding/binary"
	"math"
	"slices"
)

// appendValue appends the msgpack encoding of v, a document value as the
// replica materializes it (nil, bool, int64, float64, string, []any and
// map[string]any, its keys sorted), byte for byte what encodeValue's
// msgpack.Encoder writes, without its reflection: every commit encodes
// the value of each small document it stores. ok is false for any other
// type; the caller then encodes with msgpack.
func appendValue(b []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(b, 0xc0), true
	case bool:
		if x {
			return append(b, 0xc3), true
		}
		return append(b, 0xc2), true
	case int64:
		return appendInt(b, x), true
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(x)), true
	case string:
		return append(appendLen(b, len(x), 0xa0, 32, 0xd9, 0xda, 0xdb), x...), true
	case []any:
		b = appendLen(b, len(x), 0x90, 16, 0, 0xdc, 0xdd)
		for _, e := range x {
			if b, ok = appendValue(b, e); !ok {
				return b, false
			}
		}
		return b, true
	case map[string]any:
		return appendMap(b, x)
	}
	return b, false
}

func appendMap(b []byte, m map[string]any) (_ []byte, ok bool) {
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = appendLen(b, len(keys), 0x80, 16, 0, 0xde, 0xdf)
	for _, k := range keys {
		b, _ = appendValue(b, k)
		if b, ok = appendValue(b, m[k]); !ok {
			return b, false
		}
	}
	return b, true
}

// appendInt writes n as msgpack's encoder writes an int64: all eight
// bytes, whatever its size.
func appendInt(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// appendLen writes a length header: the fix form (fix|n below fixMax),
// else the 8-bit form (when the type has one: code8 != 0), 16-bit or
// 32-bit form.
func appendLen(b []byte, n int, fix byte, fixMax int, code8, code16, code32 byte) []byte {
	switch {
	case n < fixMax:
		return append(b, fix|byte(n))
	case code8 != 0 && n <= math.MaxUint8:
		return append(b, code8, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, code16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, code32), uint32(n))
}
