package crdt

import "testing"

// Tests of the document lifetime rule in the package doc: a delete and a
// concurrent write are ordered by stamp like any two writes; a write ordered
// after the delete brings back the whole document (every field as it was,
// plus the write), one ordered before it goes with the document; a
// creation (Put, or a write to an absent document) hides everything older.

// lifePair returns replicas a and b holding the same document y of every
// value kind. b's clock runs ahead of a's if bLater, else behind, so that
// b's next write is ordered after (or before) a's next one.
func lifePair(t *testing.T, bLater bool) (a, b *Replica, y map[string]any) {
	t.Helper()
	wall := int64(1_700_000_000_000)
	clockA, clockB := fakeClock(wall+500), fakeClock(wall+1000)
	if !bLater {
		clockB = fakeClock(wall)
	}
	a = mustReplica(t, "a", WithClock(clockA), WithStrict(true))
	b = mustReplica(t, "b", WithClock(clockB), WithStrict(true))
	c, _, err := a.Transact(func(tx *Tx) error {
		return tx.Put("todos", "y", map[string]any{
			"title": "original", "done": false, "prio": int64(2),
			"notes": Text("some notes"), "votes": Counter(3),
			"tags": []any{"home", int64(7)},
			"meta": map[string]any{"owner": "ann", "body": Text("nested")},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Apply(c); err != nil {
		t.Fatal(err)
	}
	y, _ = b.Get("todos", "y")
	return a, b, y
}

// exchange delivers each replica's change (if any) to the other and checks
// they agree; it returns the document as both read it.
func exchange(t *testing.T, a, b *Replica, ca, cb *Change) (map[string]any, bool) {
	t.Helper()
	for _, x := range []struct {
		to *Replica
		c  *Change
	}{{a, cb}, {b, ca}} {
		if x.c == nil {
			continue
		}
		if _, err := x.to.Apply(x.c); err != nil {
			t.Fatal(err)
		}
	}
	va, okA := a.Get("todos", "y")
	vb, okB := b.Get("todos", "y")
	if okA != okB || !equalValues(va, vb) {
		t.Fatalf("diverged: a reads %v (%v), b reads %v (%v)", va, okA, vb, okB)
	}
	return va, okA
}

func transact(t *testing.T, r *Replica, fn func(tx *Tx) error) *Change {
	t.Helper()
	c, _, err := r.Transact(fn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func deleteY(tx *Tx) error { return tx.DeleteDoc("todos", "y") }

// TestUpdateConcurrentWithDelete is the scenario of issue 14: A deletes y
// while B sets its title. Before the rule, the merged document read
// {title} with every other field gone.
func TestUpdateConcurrentWithDelete(t *testing.T) {
	const title = "edited by B while A deleted"
	for _, bLater := range []bool{true, false} {
		a, b, y := lifePair(t, bLater)
		del := transact(t, a, deleteY)
		upd := transact(t, b, func(tx *Tx) error { return tx.Set("todos", "y", []string{"title"}, title) })
		got, ok := exchange(t, a, b, del, upd)
		if !bLater {
			if ok {
				t.Fatalf("update ordered before the delete: want y deleted, read %v", got)
			}
			continue
		}
		want := y
		want["title"] = title
		if !ok || !equalValues(got, want) {
			t.Fatalf("update ordered after the delete: want the whole document\n%v\nread %v (%v)", want, got, ok)
		}
	}
}

// TestEditsConcurrentWithDelete: a text insertion, a counter increment, a
// nested field or a list insertion ordered after a concurrent delete brings
// the whole document back, with the edit.
func TestEditsConcurrentWithDelete(t *testing.T) {
	edits := []struct {
		name string
		fn   func(tx *Tx) error
		want func(y map[string]any)
	}{
		{"insertText", func(tx *Tx) error { return tx.InsertText("todos", "y", []string{"notes"}, 4, "!") },
			func(y map[string]any) { y["notes"] = "some! notes" }},
		{"nested insertText", func(tx *Tx) error { return tx.InsertText("todos", "y", []string{"meta", "body"}, 0, ">") },
			func(y map[string]any) { y["meta"].(map[string]any)["body"] = ">nested" }},
		{"increment", func(tx *Tx) error { return tx.Increment("todos", "y", []string{"votes"}, 2) },
			func(y map[string]any) { y["votes"] = int64(5) }},
		{"nested set", func(tx *Tx) error { return tx.Set("todos", "y", []string{"meta", "owner"}, "bob") },
			func(y map[string]any) { y["meta"].(map[string]any)["owner"] = "bob" }},
		{"insertList", func(tx *Tx) error { return tx.InsertList("todos", "y", []string{"tags"}, 2, "new") },
			func(y map[string]any) { y["tags"] = []any{"home", int64(7), "new"} }},
		{"deleteField", func(tx *Tx) error { return tx.DeleteField("todos", "y", []string{"prio"}) },
			func(y map[string]any) { delete(y, "prio") }},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			a, b, y := lifePair(t, true)
			del := transact(t, a, deleteY)
			upd := transact(t, b, e.fn)
			e.want(y)
			if got, ok := exchange(t, a, b, del, upd); !ok || !equalValues(got, y) {
				t.Fatalf("want the whole document\n%v\nread %v (%v)", y, got, ok)
			}
		})
	}
}

// TestPutConcurrentWithDelete: the later of a delete and a concurrent Put
// wins, and a Put's document shows whole and alone.
func TestPutConcurrentWithDelete(t *testing.T) {
	fresh := map[string]any{"title": "replaced", "body": Text("new")}
	for _, bLater := range []bool{true, false} {
		a, b, _ := lifePair(t, bLater)
		del := transact(t, a, deleteY)
		put := transact(t, b, func(tx *Tx) error { return tx.Put("todos", "y", fresh) })
		got, ok := exchange(t, a, b, del, put)
		switch {
		case bLater && (!ok || !equalValues(got, map[string]any{"title": "replaced", "body": "new"})):
			t.Fatalf("Put ordered after the delete: read %v (%v)", got, ok)
		case !bLater && ok:
			t.Fatalf("Put ordered before the delete: want y deleted, read %v", got)
		}
	}
}

// TestRecreateAfterDelete: a document deleted and then written again on
// the same replica starts afresh, and an update of the old document by
// another replica, concurrent with both, does not bring the old fields
// back: ordered before the re-creation it is hidden, after it, it lands on
// the new document.
func TestRecreateAfterDelete(t *testing.T) {
	for _, recreate := range []struct {
		name string
		fn   func(tx *Tx) error
	}{
		{"Put", func(tx *Tx) error { return tx.Put("todos", "y", map[string]any{"title": "second life"}) }},
		{"Set", func(tx *Tx) error { return tx.Set("todos", "y", []string{"title"}, "second life") }},
	} {
		t.Run(recreate.name, func(t *testing.T) {
			for _, bLater := range []bool{true, false} {
				a, b, _ := lifePair(t, bLater)
				del := transact(t, a, deleteY)
				if got, ok := a.Get("todos", "y"); ok {
					t.Fatalf("deleted document reads %v", got)
				}
				again := transact(t, a, recreate.fn)
				if got, _ := a.Get("todos", "y"); !equalValues(got, map[string]any{"title": "second life"}) {
					t.Fatalf("re-created document reads %v", got)
				}
				upd := transact(t, b, func(tx *Tx) error { return tx.Set("todos", "y", []string{"done"}, true) })
				if _, err := b.Apply(del, again); err != nil {
					t.Fatal(err)
				}
				want := map[string]any{"title": "second life"}
				if bLater {
					want["done"] = true
				}
				if got, ok := exchange(t, a, b, nil, upd); !ok || !equalValues(got, want) {
					t.Fatalf("b's update ordered after the re-creation: %v: want %v, read %v (%v)", bLater, want, got, ok)
				}
			}
		})
	}
}

// TestConcurrentPutsLaterWinsWhole: two replicas Put the same new document
// concurrently; the later Put shows whole and alone.
func TestConcurrentPutsLaterWinsWhole(t *testing.T) {
	a := mustReplica(t, "a", WithClock(fakeClock(1_700_000_000_000)), WithStrict(true))
	b := mustReplica(t, "b", WithClock(fakeClock(1_700_000_001_000)), WithStrict(true))
	ca := transact(t, a, func(tx *Tx) error { return tx.Put("todos", "y", map[string]any{"x": int64(1), "z": "a"}) })
	cb := transact(t, b, func(tx *Tx) error { return tx.Put("todos", "y", map[string]any{"title": "b"}) })
	if got, ok := exchange(t, a, b, ca, cb); !ok || !equalValues(got, map[string]any{"title": "b"}) {
		t.Fatalf("read %v (%v), want b's document alone", got, ok)
	}
}

// TestRevivalPatch: the patch of a change that brings a deleted document
// back says to re-read all of it, not just the field the change wrote.
func TestRevivalPatch(t *testing.T) {
	a, b, _ := lifePair(t, true)
	transact(t, a, deleteY)
	upd := transact(t, b, func(tx *Tx) error { return tx.Set("todos", "y", []string{"title"}, "back") })
	p, err := a.Apply(upd)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Docs) != 1 || !p.Docs[0].Exists || !p.Docs[0].Reset {
		t.Fatalf("patch %+v, want y existing and reset", p.Docs)
	}
}
