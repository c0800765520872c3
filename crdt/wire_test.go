package crdt

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// TestWriterMatchesMsgpack checks that the writer writes every kind of
// value byte for byte as the msgpack package's Encoder does, at each size
// where the encoding changes form: stored states and changes must not
// depend on which of the two wrote them.
func TestWriterMatchesMsgpack(t *testing.T) {
	var ints []int64
	for _, edge := range []int64{0, 31, 32, 127, 128, 255, 256, math.MaxUint16, math.MaxUint32, math.MaxInt64} {
		ints = append(ints, edge-1, edge, edge+1, -edge-1, -edge, -edge+1)
	}
	ints = append(ints, math.MinInt64, -33, -129, -32769)
	lengths := []int{0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536}
	for _, n := range ints {
		same(t, "int", func(w *writer) { w.int(n) }, func(e *msgpack.Encoder) error { return e.EncodeInt(n) })
		same(t, "uint", func(w *writer) { w.uint(uint64(n)) }, func(e *msgpack.Encoder) error { return e.EncodeUint(uint64(n)) })
	}
	for _, n := range lengths {
		s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
		b := []byte(s)
		list := make([]any, n)
		m := map[string]any{}
		for i := range min(n, 300) {
			list[i] = float64(i) / 3
			m[strings.Repeat("k", i+1)] = i%2 == 0
		}
		same(t, "str", func(w *writer) { w.str(s) }, func(e *msgpack.Encoder) error { return e.EncodeString(s) })
		same(t, "bin", func(w *writer) { w.bin(b) }, func(e *msgpack.Encoder) error { return e.EncodeBytes(b) })
		same(t, "array", func(w *writer) { w.array(n) }, func(e *msgpack.Encoder) error { return e.EncodeArrayLen(n) })
		same(t, "list", func(w *writer) { w.value(list) }, func(e *msgpack.Encoder) error { return encodeValue(e, list) })
		same(t, "map", func(w *writer) { w.value(m) }, func(e *msgpack.Encoder) error { return encodeValue(e, m) })
	}
	same(t, "nil bin", func(w *writer) { w.bin(nil) }, func(e *msgpack.Encoder) error { return e.EncodeBytes(nil) })
	for _, v := range []any{nil, true, false, math.Inf(-1), -0.0, 1e300, "s"} {
		same(t, "value", func(w *writer) { w.value(v) }, func(e *msgpack.Encoder) error { return encodeValue(e, v) })
	}
}

// encodeValue is writer.value with the msgpack package: sorted map keys.
func encodeValue(e *msgpack.Encoder, v any) error {
	e.SetSortMapKeys(true)
	return e.Encode(v)
}

func same(t *testing.T, what string, write func(*writer), encode func(*msgpack.Encoder) error) {
	t.Helper()
	w := newWriter()
	write(w)
	var want bytes.Buffer
	if err := encode(msgpack.NewEncoder(&want)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.buf, want.Bytes()) {
		n := min(len(want.Bytes()), 12)
		t.Fatalf("%s: writer wrote % x…, msgpack % x…", what, w.buf[:min(len(w.buf), 12)], want.Bytes()[:n])
	}
}
