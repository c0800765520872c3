package sync_test

import (
	"encoding/hex"
	"errors"
	"testing"

	hsync "github.com/hearthdb/hearth/sync"
)

func addVectorSeeds(f *testing.F) {
	b, err := readVectorFile()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range append(b.Valid, b.Invalid...) {
		raw, _ := hex.DecodeString(v.Hex)
		f.Add(raw)
	}
}

// FuzzDecode feeds outside bytes to the frame decoders: they must never
// panic, must return a coded error for bad input, and whatever they accept
// must re-encode to a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	addVectorSeeds(f)
	small := hsync.Limits{MaxFrame: 4096, MaxBatch: 8, MaxPayload: 64, MaxActors: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []hsync.Limits{hsync.DefaultLimits, small} {
			m, err := hsync.Decode(data, lim)
			if err != nil {
				if !errors.Is(err, hsync.CodeOf(err).Err()) {
					t.Fatalf("error %v carries no sentinel", err)
				}
			} else {
				roundTrip(t, m, lim)
			}
			if _, err := hsync.DecodeStream(data, lim, 4); err != nil && hsync.CodeOf(err) == hsync.CodeInternal {
				t.Fatalf("stream error %v has no protocol code", err)
			}
		}
	})
}

func roundTrip(t *testing.T, m hsync.Message, lim hsync.Limits) {
	enc, err := hsync.Encode(m)
	if err != nil {
		t.Fatalf("re-encode %#v: %v", m, err)
	}
	m2, err := hsync.Decode(enc, hsync.Limits{MaxFrame: len(enc), MaxBatch: lim.MaxBatch, MaxPayload: lim.MaxPayload, MaxActors: lim.MaxActors})
	if err != nil {
		t.Fatalf("decode of re-encoded %x: %v", enc, err)
	}
	if normalize(m) != normalize(m2) {
		t.Fatalf("round trip changed %#v into %#v", m, m2)
	}
}
