package crdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// writer appends msgpack to a byte slice, as the msgpack package's
// Encoder writes it (the smallest form of each integer, string, array and
// map length; float64 as 9 bytes), without its per-call interface and
// error plumbing: encoding changes is on every commit's path. Every value
// written has been validated, so nothing can fail.
type writer struct {
	buf []byte
}

func newWriter() *writer { return &writer{buf: make([]byte, 0, 64)} }

func (w *writer) array(n int)  { w.head(n, 0x90, 16, msgpcode.Array16, msgpcode.Array32) }
func (w *writer) mapLen(n int) { w.head(n, 0x80, 16, msgpcode.Map16, msgpcode.Map32) }

func (w *writer) str(s string) {
	if len(s) < 32 {
		w.buf = append(w.buf, 0xa0|byte(len(s)))
	} else if len(s) <= math.MaxUint8 {
		w.buf = append(w.buf, msgpcode.Str8, byte(len(s)))
	} else {
		w.head(len(s), 0, 0, msgpcode.Str16, msgpcode.Str32)
	}
	w.buf = append(w.buf, s...)
}

func (w *writer) bin(b []byte) {
	if b == nil {
		w.buf = append(w.buf, msgpcode.Nil) // as the msgpack package writes it
		return
	}
	if len(b) <= math.MaxUint8 {
		w.buf = append(w.buf, msgpcode.Bin8, byte(len(b)))
	} else {
		w.head(len(b), 0, 0, msgpcode.Bin16, msgpcode.Bin32)
	}
	w.buf = append(w.buf, b...)
}

// head writes a length: in the fixed form below fixMax, else in 16 or 32
// bits after code16 or code32.
func (w *writer) head(n int, fixed byte, fixMax int, code16, code32 byte) {
	switch {
	case n < fixMax:
		w.buf = append(w.buf, fixed|byte(n))
	case n <= math.MaxUint16:
		w.buf = append(w.buf, code16, byte(n>>8), byte(n))
	default:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, code32), uint32(n))
	}
}

func (w *writer) uint(n uint64) {
	switch {
	case n <= math.MaxInt8:
		w.buf = append(w.buf, byte(n))
	case n <= math.MaxUint8:
		w.buf = append(w.buf, msgpcode.Uint8, byte(n))
	case n <= math.MaxUint16:
		w.buf = binary.BigEndian.AppendUint16(append(w.buf, msgpcode.Uint16), uint16(n))
	case n <= math.MaxUint32:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, msgpcode.Uint32), uint32(n))
	default:
		w.buf = binary.BigEndian.AppendUint64(append(w.buf, msgpcode.Uint64), n)
	}
}

func (w *writer) int(n int64) {
	switch {
	case n >= 0:
		w.uint(uint64(n))
	case n >= -32: // negative fixint
		w.buf = append(w.buf, byte(n))
	case n >= math.MinInt8:
		w.buf = append(w.buf, msgpcode.Int8, byte(n))
	case n >= math.MinInt16:
		w.buf = binary.BigEndian.AppendUint16(append(w.buf, msgpcode.Int16), uint16(n))
	case n >= math.MinInt32:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, msgpcode.Int32), uint32(n))
	default:
		w.buf = binary.BigEndian.AppendUint64(append(w.buf, msgpcode.Int64), uint64(n))
	}
}

// value writes a normalized scalar or atomic value. Map keys are sorted so
// that equal values encode identically.
func (w *writer) value(v any) {
	switch x := v.(type) {
	case nil:
		w.buf = append(w.buf, msgpcode.Nil)
	case bool:
		if x {
			w.buf = append(w.buf, msgpcode.True)
		} else {
			w.buf = append(w.buf, msgpcode.False)
		}
	case int64:
		w.int(x)
	case float64:
		w.buf = binary.BigEndian.AppendUint64(append(w.buf, msgpcode.Double), math.Float64bits(x))
	case string:
		w.str(x)
	case []any:
		w.array(len(x))
		for _, e := range x {
			w.value(e)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.mapLen(len(keys))
		for _, k := range keys {
			w.str(k)
			w.value(x[k])
		}
	}
}

// reader decodes msgpack from outside with a sticky error: after the first
// failure every method returns a zero value, so callers check once at the
// end. Lengths are bounded by the bytes left, so no input can make it
// allocate more than a small multiple of its own size.
type reader struct {
	br  *bytes.Reader
	dec *msgpack.Decoder
	err error
}

func newReader(b []byte) *reader {
	br := bytes.NewReader(b)
	return &reader{br: br, dec: msgpack.NewDecoder(br)}
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (r *reader) wrap(err error) {
	if err != nil {
		r.fail("%v", err)
	}
}

// array reads an array header of at most max elements.
func (r *reader) array(max int) int {
	if r.err != nil {
		return 0
	}
	n, err := r.dec.DecodeArrayLen()
	r.wrap(err)
	if r.err == nil && (n < 0 || n > max || n > r.br.Len()) {
		r.fail("array of %d elements", n)
	}
	if r.err != nil {
		return 0
	}
	return n
}

// arrayExact reads an array header that must have n elements.
func (r *reader) arrayExact(n int) {
	if got := r.array(n); r.err == nil && got != n {
		r.fail("array of %d elements, want %d", got, n)
	}
}

// lengthFits checks, before the decoder allocates, that a str or bin
// header at the read position announces no more bytes than remain:
// msgpack's DecodeBytes allocates the announced length up front.
func (r *reader) lengthFits() bool {
	pos := r.br.Size() - int64(r.br.Len())
	defer func() { _, _ = r.br.Seek(pos, io.SeekStart) }()
	c, err := r.br.ReadByte()
	if err != nil {
		return true // the decoder reports it
	}
	var size int
	switch {
	case msgpcode.IsFixedString(c):
		return true
	case c == msgpcode.Str8 || c == msgpcode.Bin8:
		size = 1
	case c == msgpcode.Str16 || c == msgpcode.Bin16:
		size = 2
	case c == msgpcode.Str32 || c == msgpcode.Bin32:
		size = 4
	default:
		return true
	}
	var n uint64
	for i := 0; i < size; i++ {
		b, err := r.br.ReadByte()
		if err != nil {
			return false
		}
		n = n<<8 | uint64(b)
	}
	return n <= uint64(r.br.Len())
}

func (r *reader) str() string {
	if r.err != nil {
		return ""
	}
	if !r.lengthFits() {
		r.fail("string longer than the input")
		return ""
	}
	s, err := r.dec.DecodeString()
	r.wrap(err)
	if r.err == nil && !utf8.ValidString(s) {
		r.fail("string is not valid UTF-8")
	}
	return s
}

func (r *reader) bin() []byte {
	if r.err != nil {
		return nil
	}
	if !r.lengthFits() {
		r.fail("bytes longer than the input")
		return nil
	}
	b, err := r.dec.DecodeBytes()
	r.wrap(err)
	return b
}

func (r *reader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	c, err := r.dec.PeekCode()
	r.wrap(err)
	if r.err == nil && !msgpcode.IsFixedNum(c) && (c < msgpcode.Uint8 || c > msgpcode.Uint64) {
		r.fail("expected an unsigned integer")
	}
	if r.err != nil {
		return 0
	}
	n, err := r.dec.DecodeUint64()
	r.wrap(err)
	return n
}

func (r *reader) int() int64 {
	if r.err != nil {
		return 0
	}
	v := r.value(0, false)
	n, ok := v.(int64)
	if !ok {
		r.fail("expected an integer")
	}
	return n
}

// end fails if bytes remain after a complete value.
func (r *reader) end() {
	if r.err == nil && r.br.Len() != 0 {
		r.fail("%d trailing bytes", r.br.Len())
	}
}

// value reads a scalar, or (atomic set) a nested array or map of values.
func (r *reader) value(depth int, atomic bool) any {
	if r.err != nil {
		return nil
	}
	if depth > maxValueDepth {
		r.fail("value nested deeper than %d", maxValueDepth)
		return nil
	}
	c, err := r.dec.PeekCode()
	if r.wrap(err); r.err != nil {
		return nil
	}
	switch {
	case c == msgpcode.Nil:
		r.wrap(r.dec.DecodeNil())
		return nil
	case c == msgpcode.True || c == msgpcode.False:
		b, err := r.dec.DecodeBool()
		r.wrap(err)
		return b
	case msgpcode.IsFixedNum(c) || (c >= msgpcode.Uint8 && c <= msgpcode.Int64):
		return r.integer(c)
	case c == msgpcode.Float || c == msgpcode.Double:
		f, err := r.dec.DecodeFloat64()
		r.wrap(err)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			r.fail("non-finite number")
		}
		return f
	case msgpcode.IsString(c):
		return r.str()
	case atomic && (msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32):
		return r.list(depth)
	case atomic && (msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32):
		return r.dict(depth)
	}
	r.fail("unexpected msgpack code 0x%02x", c)
	return nil
}

func (r *reader) integer(c byte) any {
	if c >= msgpcode.Uint8 && c <= msgpcode.Uint64 {
		u, err := r.dec.DecodeUint64()
		r.wrap(err)
		if u > math.MaxInt64 {
			r.fail("integer overflows int64")
		}
		return int64(u)
	}
	n, err := r.dec.DecodeInt64()
	r.wrap(err)
	return n
}

func (r *reader) list(depth int) any {
	n := r.array(math.MaxInt32)
	out := make([]any, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.value(depth+1, true))
	}
	return out
}

func (r *reader) dict(depth int) any {
	n, err := r.dec.DecodeMapLen()
	r.wrap(err)
	if r.err == nil && (n < 0 || n > r.br.Len()) {
		r.fail("map of %d entries", n)
	}
	if r.err != nil {
		return nil
	}
	out := make(map[string]any, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		out[k] = r.value(depth+1, true)
	}
	return out
}
