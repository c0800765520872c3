package crdt

import (
	"bytes"
	"math/rand"
	"reflect"
	"testing"
)

// TestReplayRebuildsDocuments checks what a host storing snapshot + tail
// relies on: a document's snapshot taken at some point, plus Replay of its
// DocParts of every change after, equals the document as it is, whatever
// the edits (local and remote, several documents per change).
func TestReplayRebuildsDocuments(t *testing.T) {
	for seed := int64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewSource(seed))
		a, b := mustReplica(t, "alice"), mustReplica(t, "bob")
		snaps := map[[2]string][]byte{} // each document's snapshot, taken at random
		tails := map[[2]string][]*Change{}
		record := func(c *Change) {
			for k, parts := range c.DocParts() {
				tails[k] = append(tails[k], parts...)
			}
		}
		for step := 0; step < 120; step++ {
			r, other := a, b
			if rng.Intn(3) == 0 {
				r, other = b, a
			}
			c, _, err := r.Transact(func(tx *Tx) error {
				for n := rng.Intn(3) + 1; n > 0; n-- {
					randEdit(rng, r, tx)
				}
				return nil
			})
			if err != nil || c == nil {
				continue
			}
			if _, err := other.Apply(c); err != nil {
				t.Fatal(err)
			}
			record(c) // a made it, or heard of it from bob

			if rng.Intn(8) == 0 { // checkpoint a random document of a
				coll, id := propColls[rng.Intn(len(propColls))], propDocs[rng.Intn(len(propDocs))]
				if s, err := a.EncodeDoc(coll, id); err == nil {
					snaps[[2]string{coll, id}] = s
					delete(tails, [2]string{coll, id})
				}
			}
		}
		rebuilt, err := LoadSnapshot("alice", a.EncodeMeta())
		if err != nil {
			t.Fatal(err)
		}
		for _, coll := range propColls {
			for _, id := range propDocs {
				k := [2]string{coll, id}
				if s := snaps[k]; s != nil {
					if err := rebuilt.LoadDoc(s); err != nil {
						t.Fatal(err)
					}
				}
				if err := rebuilt.Replay(tails[k]...); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				want, wok := a.Get(coll, id)
				got, gok := rebuilt.Get(coll, id)
				if wok != gok || !reflect.DeepEqual(want, got) {
					t.Fatalf("seed %d: %s/%s rebuilt as %v (%v), want %v (%v)", seed, coll, id, got, gok, want, wok)
				}
				ws, _ := a.EncodeDoc(coll, id)
				gs, _ := rebuilt.EncodeDoc(coll, id)
				if !bytes.Equal(ws, gs) {
					t.Fatalf("seed %d: %s/%s: the rebuilt state encodes differently", seed, coll, id)
				}
			}
		}
		if err := rebuilt.Check(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// TestReplayRefusesWhatDoesNotFit: a part whose target object is missing
// fails and leaves the document as it was.
func TestReplayRefusesWhatDoesNotFit(t *testing.T) {
	a := mustReplica(t, "alice")
	c1, _, _ := a.Transact(func(tx *Tx) error { return tx.Put("c", "d", map[string]any{"t": Text("hi")}) })
	c2, _, _ := a.Transact(func(tx *Tx) error { return tx.InsertText("c", "d", []string{"t"}, 1, "!") })
	r := mustReplica(t, "alice")
	if err := r.Replay(c2); err == nil {
		t.Fatal("Replay of an edit of a text the replica lacks succeeded")
	}
	if _, ok := r.Get("c", "d"); ok {
		t.Fatal("a failed Replay left a document")
	}
	if err := r.Replay(c1, c2); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Get("c", "d"); v["t"] != "h!i" {
		t.Fatalf("got %v", v)
	}
}

// TestHighlyCompressibleTextLoads: a text that DEFLATE shrinks as far as it
// can (one character repeated) still loads from its snapshot.
func TestHighlyCompressibleTextLoads(t *testing.T) {
	a := mustReplica(t, "alice")
	body := string(bytes.Repeat([]byte{'.'}, 200_000))
	if _, _, err := a.Transact(func(tx *Tx) error { return tx.Put("c", "d", map[string]any{"t": Text(body)}) }); err != nil {
		t.Fatal(err)
	}
	s, err := a.EncodeDoc("c", "d")
	if err != nil {
		t.Fatal(err)
	}
	r := mustReplica(t, "bob")
	if err := r.LoadDoc(s); err != nil {
		t.Fatalf("a %d-byte snapshot of %d dots does not load: %v", len(s), len(body), err)
	}
	if v, _ := r.Get("c", "d"); v["t"] != body {
		t.Fatal("the text loaded differs")
	}
}
