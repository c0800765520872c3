package kvpage

import (
	"bytes"
	"errors"
	"testing"
)

type record struct {
	key   string
	value []byte
}

func decode(page []byte) ([]record, error) {
	var out []record
	err := Each(page, func(k string, v []byte) error {
		out = append(out, record{k, v})
		return nil
	})
	return out, err
}

func TestRoundTrip(t *testing.T) {
	in := []record{{"items\x00a", []byte{0x81, 0xa1, 'k', 1}}, {"", nil}, {"items\x00é😀", bytes.Repeat([]byte{7}, 70_000)}}
	var page []byte
	for _, r := range in {
		page = Append(page, r.key, r.value)
	}
	out, err := decode(page)
	if err != nil || len(out) != len(in) {
		t.Fatalf("%d records, %v", len(out), err)
	}
	for i := range in {
		if out[i].key != in[i].key || !bytes.Equal(out[i].value, in[i].value) {
			t.Fatalf("record %d: %q %x", i, out[i].key, out[i].value[:min(8, len(out[i].value))])
		}
	}
	if n, err := Count(page); n != 3 || err != nil {
		t.Fatalf("Count %d, %v", n, err)
	}
}

func TestCorrupt(t *testing.T) {
	page := Append(nil, "k", []byte("v"))
	for _, bad := range [][]byte{page[:len(page)-1], page[:3], append(page, 0), {0xff, 0xff, 0xff, 0xff, 'k'}} {
		if _, err := decode(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("% x: %v", bad, err)
		}
	}
}

// FuzzEach: any bytes either fail with ErrCorrupt or are a page that
// Append writes again byte for byte.
func FuzzEach(f *testing.F) {
	f.Add(Append(Append(nil, "items\x00a", []byte{0x80}), "items\x00b", nil))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, page []byte) {
		out, err := decode(page)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatal(err)
			}
			return
		}
		var again []byte
		for _, r := range out {
			again = Append(again, r.key, r.value)
		}
		if !bytes.Equal(again, page) {
			t.Fatalf("% x written again as % x", page, again)
		}
	})
}
