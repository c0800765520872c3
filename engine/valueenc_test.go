package engine

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// libEncode is encodeValue's msgpack encoding, which appendValue matches.
func libEncode(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randomValue(r *rand.Rand, depth int) any {
	switch k := r.IntN(9); {
	case k == 0:
		return nil
	case k == 1:
		return r.IntN(2) == 0
	case k == 2:
		return []int64{0, 1, -1, 127, 128, -32, -33, 255, 256, math.MaxInt64, math.MinInt64, r.Int64() - math.MaxInt64/2}[r.IntN(12)]
	case k == 3:
		return []float64{0, -0.5, math.Inf(1), math.MaxFloat64, r.Float64()}[r.IntN(5)]
	case k == 4 || depth > 2:
		return strings.Repeat("é", []int{0, 1, 15, 16, 31, 32, 127, 128, 255, 256, 40000}[r.IntN(11)])
	case k < 7:
		l := make([]any, []int{0, 1, 15, 16, 17}[r.IntN(5)])
		for i := range l {
			l[i] = randomValue(r, depth+1)
		}
		return l
	default:
		m := map[string]any{}
		for i := range []int{0, 1, 15, 16, 17, 40}[r.IntN(6)] {
			m[strings.Repeat("k", i)] = randomValue(r, depth+1)
		}
		return m
	}
}

// appendValue writes what msgpack's encoder writes, byte for byte, for
// every kind and size of value a document holds.
func TestAppendValueMatchesMsgpack(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		v := map[string]any{"v": randomValue(r, 0), "id": "x"}
		got, ok := appendValue(nil, v)
		if !ok {
			t.Fatalf("%d: not encoded: %v", i, v)
		}
		if want := libEncode(t, v); !bytes.Equal(got, want) {
			at := 0
			for at < min(len(got), len(want)) && got[at] == want[at] {
				at++
			}
			lo := max(at-8, 0)
			t.Fatalf("%d: differs at byte %d of %d/%d: got %x…, want %x…", i, at, len(got), len(want), got[lo:min(at+8, len(got))], want[lo:min(at+8, len(want))])
		}
	}
	if _, ok := appendValue(nil, map[string]any{"t": struct{}{}}); ok {
		t.Fatal("a type outside a document's encoded anyway")
	}
}
