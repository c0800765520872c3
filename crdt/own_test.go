package crdt

import "testing"

// typeFront makes one transaction inserting s at the start of docs/d's body.
func typeFront(t *testing.T, r *Replica, s string) *Change {
	t.Helper()
	c, _, err := r.Transact(func(tx *Tx) error { return tx.InsertText("docs", "d", textPath, 0, s) })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOwnCountersCache: the local actor's seq and counter, which Transact
// keeps beside the version and counter maps, reach every reader of the
// maps, and whatever else raises them is seen by the next transaction.
// Each check follows a fresh transaction, so that the maps lag.
func TestOwnCountersCache(t *testing.T) {
	// Not strict: Check syncs the maps, which would hide a lagging reader.
	a := mustReplica(t, "alice")
	first, _, err := a.Transact(func(tx *Tx) error {
		return tx.Put("docs", "d", map[string]any{"body": Text("x")})
	})
	if err != nil {
		t.Fatal(err)
	}
	log := []*Change{first, typeFront(t, a, "a")}
	if v := a.Version().Get("alice"); v != 2 {
		t.Fatalf("version %d, want 2", v)
	}
	log = append(log, typeFront(t, a, "b"))
	if n := len(a.ChangesSince(nil)); n != 3 {
		t.Fatalf("%d changes, want 3", n)
	}
	log = append(log, typeFront(t, a, "c"))
	// Its own changes coming back are duplicates.
	if p, err := a.Apply(log...); err != nil || len(p.Docs) != 0 {
		t.Fatalf("own changes applied again: %v, %v", p, err)
	}
	log = append(log, typeFront(t, a, "d"), typeFront(t, a, "e"))
	meta, err := LoadSnapshot("bob", a.EncodeMeta())
	if err != nil {
		t.Fatal(err)
	}
	if v := meta.Version().Get("alice"); v != 6 {
		t.Fatalf("snapshot version %d, want 6", v)
	}

	// LoadDoc raises the counter past the document's IDs.
	b := mustReplica(t, "alice")
	if _, _, err := b.Transact(func(tx *Tx) error { return tx.Set("other", "o", []string{"f"}, 1) }); err != nil {
		t.Fatal(err)
	}
	doc, err := a.EncodeDoc("docs", "d")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.LoadDoc(doc); err != nil {
		t.Fatal(err)
	}
	last := log[len(log)-1]
	if c := typeFront(t, b, "e"); c.Seq != 2 || c.StartCtr <= last.StartCtr {
		t.Fatalf("after LoadDoc: seq %d start %d, want 2 and > %d", c.Seq, c.StartCtr, last.StartCtr)
	}
	for _, r := range []*Replica{a, b} {
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
	}
}
