package engine_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

// readCounter counts the document reads (GetMany of StoreDocs) of a
// storage.
type readCounter struct {
	engine.Storage
	docReads atomic.Int64
}

func (r *readCounter) GetMany(ctx context.Context, store string, keys []string) ([][]byte, error) {
	if store == engine.StoreDocs {
		r.docReads.Add(int64(len(keys)))
	}
	return r.Storage.GetMany(ctx, store, keys)
}

// A bulk import into a collection and new documents one by one read no
// document: the collection's roster says they are absent.
func TestRosterCreatesWithoutReads(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	commit(t, db, put("c", map[string]any{"id": "old", "n": int64(0)}))
	db.Close()

	s := &readCounter{Storage: mem.Reopen()}
	db = openDB(t, s)
	defer db.Close()
	var ops []engine.Op
	for i := range 1000 {
		ops = append(ops, put("c", map[string]any{"id": fmt.Sprint("new", i), "n": int64(i)}))
	}
	commit(t, db, ops...)
	for i := range 10 {
		commit(t, db, put("c", map[string]any{"id": fmt.Sprint("one", i)}))
	}
	if n := s.docReads.Load(); n != 0 {
		t.Fatalf("%d documents read to create new ones", n)
	}
	// A stored document is read, once, and its state built on.
	commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "c", ID: "old", Value: map[string]any{"m": int64(1)}})
	if n := s.docReads.Load(); n != 1 {
		t.Fatalf("%d documents read to update a stored one, want 1", n)
	}
	if got := get(t, db, "c", "old"); got["n"] != int64(0) || got["m"] != int64(1) {
		t.Fatalf("old = %v", got)
	}
	if n := len(all(t, db, "c")); n != 1011 {
		t.Fatalf("%d documents, want 1011", n)
	}
}

// A roster is dropped when another tab commits: a document that tab
// created is read, not taken for absent, before this tab writes it.
func TestRosterSeesOtherTabs(t *testing.T) {
	var tt tabs
	s := engine.NewMemoryStorage()
	a, b := tt.open(t, s), tt.open(t, s.Reopen())
	defer a.Close()
	defer b.Close()
	commit(t, a, put("c", map[string]any{"id": "x"})) // a reads c's roster
	commit(t, b, put("c", map[string]any{"id": "y", "from": "b"}))
	commit(t, a, engine.Op{Kind: engine.OpUpdate, Collection: "c", ID: "y", Value: map[string]any{"from a": true}})
	tt.wg.Wait()
	for _, db := range []*engine.DB{a, b} {
		if got := get(t, db, "c", "y"); got["from"] != "b" || got["from a"] != true {
			t.Fatalf("y = %v", got)
		}
	}
}
