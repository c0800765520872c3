package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// valueDecoder decodes StoreDocs values (msgpack maps, as encodeValue
// writes them) into the values msgpack's loose interface decoding gives
// (decodeValue's before it): maps with string keys, []any, string (str and
// bin alike), int64 (fixnums and signed codes), uint64 (unsigned codes),
// float64, bool and nil. It reads the bytes in place, with no reader and
// no reflection: loading a collection decodes thousands of documents, and
// msgpack's generic decoder was most of that load's time in Go. It refuses
// what a stored document never holds (extension types, non-string map
// keys, nesting past maxValueDepth) and trailing bytes.
//
// One decoder may decode many values in a row (a collection's page): it
// keeps the map keys and short strings it met, so that documents that
// share their field names (most do) share their strings too.
type valueDecoder struct {
	b      []byte
	i      int
	depth  int
	intern map[string]any // short strings met, boxed once: a string in an interface costs an allocation
}

// maxValueDepth bounds the nesting of a stored value: a document's 64
// levels (crdt.Materialize) and a margin.
const maxValueDepth = 64 + 4

// maxInterned bounds the strings a decoder keeps, and maxInternLen their
// length: field names and short enum-like values repeat, long texts do not.
const (
	maxInterned  = 4096
	maxInternLen = 24
)

var errTruncated = errors.New("value ends early")

// decode decodes b, one document value, into a map (empty for msgpack nil).
func (d *valueDecoder) decode(b []byte) (map[string]any, error) {
	d.b, d.i, d.depth = b, 0, 0
	if len(b) > 0 && b[0] == 0xc0 { // nil: msgpack decodes a nil map, decodeValue an empty one
		d.i = 1
		return d.end(map[string]any{})
	}
	c, err := d.byte()
	if err != nil {
		return nil, err
	}
	n, ok, err := d.mapLen(c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("msgpack code %#x where a document (a map) was expected", c)
	}
	m, err := d.mapBody(n)
	if err != nil {
		return nil, err
	}
	return d.end(m)
}

func (d *valueDecoder) end(m map[string]any) (map[string]any, error) {
	if d.i != len(d.b) {
		return nil, fmt.Errorf("%d bytes after the value", len(d.b)-d.i)
	}
	return m, nil
}

func (d *valueDecoder) byte() (byte, error) {
	if d.i >= len(d.b) {
		return 0, errTruncated
	}
	c := d.b[d.i]
	d.i++
	return c, nil
}

// next returns the next n bytes.
func (d *valueDecoder) next(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.i {
		return nil, errTruncated
	}
	p := d.b[d.i : d.i+n]
	d.i += n
	return p, nil
}

// uint reads a big-endian unsigned integer of size bytes (1, 2, 4 or 8).
func (d *valueDecoder) uint(size int) (uint64, error) {
	p, err := d.next(size)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(p)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(p)), nil
	default:
		return binary.BigEndian.Uint64(p), nil
	}
}

// length reads a length of size bytes and checks that at least min bytes
// per element remain for it, so that a forged length allocates nothing.
func (d *valueDecoder) length(size, min int) (int, error) {
	n, err := d.uint(size)
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.b)-d.i)/uint64(min) {
		return 0, errTruncated
	}
	return int(n), nil
}

// mapLen returns the entry count of a map code; ok is false for another.
func (d *valueDecoder) mapLen(c byte) (n int, ok bool, err error) {
	switch {
	case c >= 0x80 && c <= 0x8f:
		n = int(c & 0x0f)
		if n > (len(d.b)-d.i)/2 {
			return 0, true, errTruncated
		}
		return n, true, nil
	case c == 0xde:
		n, err = d.length(2, 2)
		return n, true, err
	case c == 0xdf:
		n, err = d.length(4, 2)
		return n, true, err
	}
	return 0, false, nil
}

func (d *valueDecoder) mapBody(n int) (map[string]any, error) {
	if d.depth++; d.depth > maxValueDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	m := make(map[string]any, n)
	for range n {
		c, err := d.byte()
		if err != nil {
			return nil, err
		}
		k, ok, err := d.str(c)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("msgpack code %#x where a map key (a string) was expected", c)
		}
		if m[k.(string)], err = d.value(); err != nil {
			return nil, err
		}
	}
	d.depth--
	return m, nil
}

func (d *valueDecoder) arrayBody(n int) ([]any, error) {
	if d.depth++; d.depth > maxValueDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	s := make([]any, n)
	for i := range s {
		var err error
		if s[i], err = d.value(); err != nil {
			return nil, err
		}
	}
	d.depth--
	return s, nil
}

// str decodes a str or bin value of code c, boxed; ok is false for
// another code.
func (d *valueDecoder) str(c byte) (s any, ok bool, err error) {
	var n int
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = int(c & 0x1f)
	case c == 0xd9 || c == 0xc4:
		n, err = d.length(1, 1)
	case c == 0xda || c == 0xc5:
		n, err = d.length(2, 1)
	case c == 0xdb || c == 0xc6:
		n, err = d.length(4, 1)
	default:
		return "", false, nil
	}
	if err != nil {
		return nil, true, err
	}
	p, err := d.next(n)
	if err != nil {
		return nil, true, err
	}
	return d.string(p), true, nil
}

// string returns p as a boxed string, the one met before if p is short.
func (d *valueDecoder) string(p []byte) any {
	if len(p) > maxInternLen {
		return string(p)
	}
	if s, ok := d.intern[string(p)]; ok { // no allocation: the compiler sees the lookup
		return s
	}
	var s any = string(p)
	if d.intern == nil {
		d.intern = make(map[string]any, 64)
	}
	if len(d.intern) < maxInterned {
		d.intern[s.(string)] = s
	}
	return s
}

func (d *valueDecoder) value() (any, error) {
	c, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch {
	case c <= 0x7f || c >= 0xe0: // positive and negative fixnums
		return int64(int8(c)), nil
	case c >= 0x90 && c <= 0x9f:
		n := int(c & 0x0f)
		if n > len(d.b)-d.i {
			return nil, errTruncated
		}
		return d.arrayBody(n)
	}
	if n, ok, err := d.mapLen(c); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return d.mapBody(n)
	}
	if s, ok, err := d.str(c); ok || err != nil {
		return s, err
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xca:
		u, err := d.uint(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := d.uint(8)
		return math.Float64frombits(u), err
	case 0xcc, 0xcd, 0xce, 0xcf: // uint 8, 16, 32, 64
		return d.uint(1 << (c - 0xcc))
	case 0xd0, 0xd1, 0xd2, 0xd3: // int 8, 16, 32, 64
		return d.int(1 << (c - 0xd0))
	case 0xdc, 0xdd: // array 16, 32
		n, err := d.length(2<<(c-0xdc), 1)
		if err != nil {
			return nil, err
		}
		return d.arrayBody(n)
	}
	return nil, fmt.Errorf("msgpack code %#x is not a document value", c)
}

func (d *valueDecoder) int(size int) (any, error) {
	u, err := d.uint(size)
	if err != nil {
		return nil, err
	}
	switch size {
	case 1:
		return int64(int8(u)), nil
	case 2:
		return int64(int16(u)), nil
	case 4:
		return int64(int32(u)), nil
	default:
		return int64(u), nil
	}
}
