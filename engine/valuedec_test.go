package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpackValue is how StoreDocs values were decoded before valueDecoder:
// msgpack's loose interface decoding, which valueDecoder must match on
// every value it accepts. rest is the count of bytes left after the value.
func msgpackValue(b []byte) (doc map[string]any, rest int, err error) {
	r := bytes.NewReader(b)
	dec := msgpack.NewDecoder(r)
	dec.UseLooseInterfaceDecoding(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, 0, err
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, r.Len(), nil
}

// sameValue is reflect.DeepEqual for decoded values, but NaN equals NaN
// and a type must match exactly.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// valueSeeds are encoded documents of every shape a stored value has, and
// msgpack codes encodeValue does not write but a value may hold.
func valueSeeds(tb testing.TB) [][]byte {
	long := strings.Repeat("é", 200)
	many := map[string]any{}
	list := make([]any, 20)
	for i := range 20 {
		many[fmt.Sprintf("f%d", i)] = float64(i)
	}
	for i := range list {
		list[i] = int64(i % 3)
	}
	docs := []map[string]any{
		{},
		{"id": "a", "title": "alpha", "done": true, "n": float64(3), "tags": []any{"x", "y"}},
		{"neg": float64(-2.5), "big": float64(1e300), "nan": math.NaN(), "int": int64(-1 << 40), "u": uint64(1 << 63), "nil": nil, "f": false},
		{"deep": map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": "d"}, nil, true}}}},
		{"long": long, "longer": strings.Repeat("x", 300), "many": many, "list": list},
		{"small": []any{int64(1), int64(-1), int64(127), int64(-32), int64(200), int64(-200), int64(40_000), int64(-40_000), int64(1 << 33)}},
	}
	var out [][]byte
	for _, d := range docs {
		b, err := encodeValue(d)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out,
		[]byte{0xc0}, // nil: an empty document
		[]byte{0x81, 0xa1, 'k', 0xca, 0x3f, 0x80, 0, 0},  // float32
		[]byte{0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02},   // a key twice: the last wins
		[]byte{0x81, 0xc4, 1, 'k', 0xc5, 0, 2, 'h', 'i'}, // bin key and value: strings
		[]byte{0x81, 0xa1, 'k', 0xd0, 0x80, 0x00},        // a trailing byte
		[]byte{0x81, 0xa1, 'k', 0xd4, 0x01, 0x02},        // an extension type
		[]byte{0x81, 0xc0, 0x01},                         // a nil key
		[]byte{0xdf, 0xff, 0xff, 0xff, 0xff},             // a forged length
		[]byte{0x91, 0x01},                               // not a map
	)
}

// FuzzDecodeValue: a stored value's bytes, whatever they are, decode
// without a panic; what valueDecoder accepts, msgpack's loose decoding
// (the decoder before it) decodes to the same value with no byte left; and
// what msgpack decodes, once encoded again as encodeValue writes
// documents, valueDecoder decodes to the same value.
func FuzzDecodeValue(f *testing.F) {
	for _, b := range valueSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d valueDecoder
		got, err := d.decodeStored(data)
		if cerr := checkSizes(data, maxValueDepth); cerr != nil {
			// msgpack would believe a forged length: valueDecoder must refuse.
			if err == nil {
				t.Fatalf("accepted what checkSizes refuses (%v): %#v", cerr, got)
			}
			return
		}
		want, rest, werr := msgpackValue(data)
		if err != nil {
			if !errors.Is(err, ErrStorage) {
				t.Fatalf("error without ErrStorage: %v", err)
			}
		} else if werr != nil || rest != 0 || !sameValue(got, want) {
			t.Fatalf("valueDecoder gave %#v, msgpack %#v (%d bytes left, %v)", got, want, rest, werr)
		}
		if werr != nil || depth(want) > maxValueDepth {
			return
		}
		again, err := encodeValue(want)
		if err != nil {
			return // msgpack decoded what it cannot encode (an extension type)
		}
		if got, err := d.decodeStored(again); err != nil || !sameValue(got, want) {
			t.Fatalf("re-encoded %#v: valueDecoder gave %#v, %v", want, got, err)
		}
	})
}

// depth is the nesting of maps and lists in v.
func depth(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			n = max(n, depth(e))
		}
		return n + 1
	case []any:
		for _, e := range x {
			n = max(n, depth(e))
		}
		return n + 1
	}
	return 0
}

// TestDecodeValueSeeds runs the seeds with the outcome each must have.
func TestDecodeValueSeeds(t *testing.T) {
	seeds := valueSeeds(t)
	refused := 5 // the last seeds are refused
	for i, b := range seeds {
		var d valueDecoder
		got, err := d.decodeStored(b)
		if want := i < len(seeds)-refused; (err == nil) != want {
			t.Fatalf("seed %d (% x): error %v, want accepted %v", i, b[:min(len(b), 16)], err, want)
		}
		if err != nil {
			continue
		}
		want, _, werr := msgpackValue(b) // accepted: its sizes are true
		if werr != nil || !sameValue(got, want) {
			t.Fatalf("seed %d: %#v, msgpack %#v (%v)", i, got, want, werr)
		}
	}
}

// TestDecodeValueDepth: nesting past maxValueDepth is refused, not a
// stack overflow.
func TestDecodeValueDepth(t *testing.T) {
	b := []byte{0x81, 0xa1, 'k'}
	for range 100_000 {
		b = append(b, 0x91)
	}
	b = append(b, 0xc0)
	if _, err := decodeValue(b); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkDecodeValue compares valueDecoder with msgpack's decoding of
// the documents of issue 15's read benchmark.
func BenchmarkDecodeValue(b *testing.B) {
	var values [][]byte
	for i := range 1000 {
		v, _ := encodeValue(map[string]any{"id": fmt.Sprintf("item-%06d", i), "title": fmt.Sprintf("alpha bravo task %d", i),
			"done": i%3 == 0, "n": float64(i), "tags": []any{"alpha", "golf"}})
		values = append(values, v)
	}
	b.Run("valueDecoder", func(b *testing.B) {
		for b.Loop() {
			var d valueDecoder
			for _, v := range values {
				if _, err := d.decodeStored(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("msgpack", func(b *testing.B) {
		for b.Loop() {
			for _, v := range values {
				if _, _, err := msgpackValue(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
