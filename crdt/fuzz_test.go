package crdt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds returns encodings from the golden scenario and the convergence
// harness, the starting points of the decoders' fuzzers.
func fuzzSeeds(f *testing.F) (changes, snapshots, docs [][]byte) {
	r, _ := goldenScenario(f)
	for _, c := range r.ChangesSince(nil) {
		changes = append(changes, EncodeChange(c))
	}
	// A long edited text and list make compressed sequence bodies.
	_, _, err := r.Transact(func(tx *Tx) error {
		vals := make([]any, 100)
		for i := range vals {
			vals[i] = int64(i)
		}
		if err := tx.Put("todos", "long", map[string]any{"t": Text(strings.Repeat("typing ", 60)), "l": vals}); err != nil {
			return err
		}
		for i := 0; i < 20; i++ {
			_ = tx.DeleteText("todos", "long", []string{"t"}, i*7, 2)
			_ = tx.InsertText("todos", "long", []string{"t"}, i*11, "ab")
			_ = tx.DeleteList("todos", "long", []string{"l"}, i*3, 1)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	snapshots = append(snapshots, r.EncodeSnapshot(), r.EncodeMeta())
	for _, coll := range []string{"todos"} {
		for _, id := range []string{"t1", "t2", "long"} {
			if b, err := r.EncodeDoc(coll, id); err == nil {
				docs = append(docs, b)
			}
		}
	}
	return changes, snapshots, docs
}

// FuzzDecodeChange: decoding never panics; a decoded change re-encodes to a
// decodable equal change, and applying it never panics.
func FuzzDecodeChange(f *testing.F) {
	changes, _, _ := fuzzSeeds(f)
	for _, b := range changes {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeChange(data)
		if err != nil {
			return
		}
		enc := EncodeChange(c)
		c2, err := DecodeChange(enc)
		if err != nil {
			t.Fatalf("re-encoded change does not decode: %v", err)
		}
		if !bytes.Equal(EncodeChange(c2), enc) {
			t.Fatal("encoding is not stable")
		}
		r := mustReplica(t, "fuzz", WithStrict(true))
		_, _ = r.Apply(c)
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzLoadSnapshot: loading never panics; a loaded snapshot passes Check,
// re-encodes identically, and accepts edits.
func FuzzLoadSnapshot(f *testing.F) {
	_, snaps, _ := fuzzSeeds(f)
	// A format 1 snapshot, so that its decoding path is fuzzed too.
	if v1, err := os.ReadFile(filepath.Join("testdata", "snapshot-v1.bin")); err == nil {
		snaps = append(snaps, v1)
	}
	for _, b := range snaps {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := LoadSnapshot("fuzz", data, WithStrict(true))
		if err != nil {
			return
		}
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
		enc := r.EncodeSnapshot()
		r2, err := LoadSnapshot("fuzz", enc)
		if err != nil {
			t.Fatalf("re-encoded snapshot does not load: %v", err)
		}
		if !bytes.Equal(r2.EncodeSnapshot(), enc) {
			t.Fatal("encoding is not stable")
		}
		editAll(t, r)
	})
}

// FuzzLoadDoc: per-document snapshots, like FuzzLoadSnapshot.
func FuzzLoadDoc(f *testing.F) {
	_, _, docs := fuzzSeeds(f)
	for _, b := range docs {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := mustReplica(t, "fuzz", WithStrict(true))
		if err := r.LoadDoc(data); err != nil {
			return
		}
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
		editAll(t, r)
	})
}

// editAll edits every text and list at its ends and middle, exercising the
// sequence structure a snapshot produced.
func editAll(t *testing.T, r *Replica) {
	for _, c := range r.Collections() {
		for _, id := range r.IDs(c) {
			d, _ := r.Get(c, id)
			for k, v := range d {
				_, _, err := r.Transact(func(tx *Tx) error {
					switch x := v.(type) {
					case string:
						n := len([]rune(x))
						_ = tx.InsertText(c, id, []string{k}, n/2, "zz")
						_ = tx.DeleteText(c, id, []string{k}, 0, min(n, 1))
					case []any:
						_ = tx.InsertList(c, id, []string{k}, len(x)/2, int64(1))
						_ = tx.DeleteList(c, id, []string{k}, 0, min(len(x), 1))
					case int64:
						_ = tx.Increment(c, id, []string{k}, 1)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// TestHugeLengthsRejected: a header announcing more bytes than the input
// holds is rejected before anything is allocated.
func TestHugeLengthsRejected(t *testing.T) {
	for _, b := range [][]byte{
		{0x97, 0x01, 0xc6, 0x7f, 0xff, 0xff, 0xff},      // bin32 of 2 GB
		{0x97, 0x01, 0xdb, 0x7f, 0xff, 0xff, 0xff, 'a'}, // str32 of 2 GB
		{0x96, 0x01, 0xc5, 0xff, 0xff},                  // bin16 of 64 KB
	} {
		if _, err := LoadSnapshot("x", b); err == nil {
			t.Errorf("%x: no error", b)
		}
		if _, err := DecodeChange(b); err == nil {
			t.Errorf("%x: no error", b)
		}
		r := mustReplica(t, "x")
		if err := r.LoadDoc(b); err == nil {
			t.Errorf("%x: no error", b)
		}
	}
}

// FuzzDecodeChanges: batches, like FuzzDecodeChange.
func FuzzDecodeChanges(f *testing.F) {
	r, _ := goldenScenario(f)
	all := r.ChangesSince(nil)
	f.Add(EncodeChanges(all))
	f.Add(EncodeChanges(all[:1]))
	f.Add(EncodeChanges(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := DecodeChanges(data)
		if err != nil {
			return
		}
		again, err := DecodeChanges(EncodeChanges(cs))
		if err != nil || len(again) != len(cs) {
			t.Fatalf("re-encoded batch: %d changes, %v", len(again), err)
		}
		for i := range cs {
			if !bytes.Equal(EncodeChange(cs[i]), EncodeChange(again[i])) {
				t.Fatal("batch round trip changed a change")
			}
		}
		_, _ = mustReplica(t, "fuzz", WithStrict(true)).Apply(cs...)
	})
}

func TestChangesBatchRoundTrip(t *testing.T) {
	r, _ := goldenScenario(t)
	all := r.ChangesSince(nil)
	got, err := DecodeChanges(EncodeChanges(all))
	if err != nil || len(got) != len(all) {
		t.Fatalf("%d changes, %v", len(got), err)
	}
	for i := range all {
		if !bytes.Equal(EncodeChange(all[i]), EncodeChange(got[i])) {
			t.Fatalf("change %d differs", i)
		}
	}
}
