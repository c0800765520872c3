package engine_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// joinWriter builds a database whose history is several times its data:
// n documents, each updated rounds times, one deleted, one counter.
func joinWriter(t *testing.T, n, rounds int) *engine.DB {
	t.Helper()
	db := openDB(t, engine.NewMemoryStorage())
	commit(t, db, put("k", map[string]any{"id": "counter", "n": map[string]any{"$hearth": "counter", "value": 1.0}}))
	for r := range rounds {
		ops := make([]engine.Op, 0, n)
		for i := range n {
			ops = append(ops, put("c", map[string]any{"id": fmt.Sprintf("d%05d", i), "title": fmt.Sprintf("doc %d", i), "round": float64(r)}))
		}
		commit(t, db, ops...)
	}
	commit(t, db, engine.Op{Kind: engine.OpDelete, Collection: "c", ID: "d00002"})
	commit(t, db, engine.Op{Kind: engine.OpIncrement, Collection: "k", ID: "counter", Path: []string{"n"}, Delta: 2})
	return db
}

// offline makes the changes a new replica holds before its first sync:
// its own documents (a counter among them), and a concurrent put of a
// document the writer has.
func offline(t *testing.T, db *engine.DB) {
	t.Helper()
	for i := range 3 {
		commit(t, db, put("c", map[string]any{"id": fmt.Sprintf("own%d", i), "title": "offline"}))
	}
	commit(t, db, put("c", map[string]any{"id": "d00001", "note": "offline"}))
	commit(t, db, put("k", map[string]any{"id": "own-counter", "n": map[string]any{"$hearth": "counter", "value": 3.0}}))
}

// reference returns a database that applied every change of the writer's
// and of db's through sync's change path: what a join must equal.
func reference(t *testing.T, writer, db *engine.DB) *engine.DB {
	t.Helper()
	ref := openDB(t, engine.NewMemoryStorage())
	for _, from := range []*engine.DB{writer, db} {
		envs, err := from.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if err := ref.SyncStore(ctx, "").ApplyRemote(envs); err != nil {
			t.Fatal(err)
		}
	}
	return ref
}

func sameData(t *testing.T, got, want *engine.DB) {
	t.Helper()
	for _, coll := range []string{"c", "k"} {
		g, w := all(t, got, coll), all(t, want, coll)
		if len(g) != len(w) || !reflect.DeepEqual(g, w) {
			t.Fatalf("collection %s: %d documents, want %d (first differences: %v / %v)", coll, len(g), len(w), first(g), first(w))
		}
	}
	gv, _ := got.Version(ctx)
	wv, _ := want.Version(ctx)
	if !gv.Equal(wv) {
		t.Fatalf("version %v, want %v", gv, wv)
	}
}

func first(docs []map[string]any) []map[string]any { return docs[:min(3, len(docs))] }

// A replica with offline changes joins through a snapshot of a space
// whose history is five times its data: it ends with the merge (what
// applying every change gives), keeps its own changes to push, and a
// reopened database reads the same from its storage.
func TestSnapshotJoinKeepsOfflineChanges(t *testing.T) {
	writer := joinWriter(t, 2500, 5)
	vv, data, err := writer.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	offline(t, db)
	ref := reference(t, writer, db)
	if err := db.ApplySnapshot(ctx, vv, data); err != nil {
		t.Fatal(err)
	}
	sameData(t, db, ref)
	own, err := db.SyncStore(ctx, "").ChangesSince(vv, 1000)
	if err != nil || len(own) != 5 {
		t.Fatalf("changes to push after the join: %d, %v", len(own), err)
	}
	if err := db.ApplySnapshot(ctx, vv, data); err != nil { // idempotent
		t.Fatal(err)
	}
	sameData(t, db, ref)
	sameData(t, openDB(t, mem), ref)
	if _, err := mem.Get(ctx, engine.StoreMeta, "join"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("join marker left: %v", err)
	}
	if err := db.ApplySnapshot(ctx, crdt.VersionVector{"x": 1}, data); !errors.Is(err, engine.ErrInvalidChange) {
		t.Fatalf("snapshot under another vector: %v", err)
	}
}

// cutStorage stops storing after left commits, as a page closed midway.
type cutStorage struct {
	*engine.MemoryStorage
	left int
}

func (c *cutStorage) Commit(ctx context.Context, w []engine.Write) error {
	if c.left <= 0 {
		return engine.ErrQuotaExceeded
	}
	c.left--
	return c.MemoryStorage.Commit(ctx, w)
}

// A page closed midway through a join (after its first storage batch, or
// its second) reopens to the finished join: nothing lost or duplicated;
// one closed before the first batch reopens as it was.
func TestSnapshotJoinResumes(t *testing.T) {
	writer := joinWriter(t, 2500, 3)
	vv, data, err := writer.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, batches := range []int{0, 1, 2} {
		cut := &cutStorage{MemoryStorage: engine.NewMemoryStorage(), left: 1 << 30}
		db := openDB(t, cut)
		offline(t, db)
		ref := reference(t, writer, db)
		before := all(t, db, "c")
		cut.left = batches // the first batch stores the snapshot too
		if err := db.ApplySnapshot(ctx, vv, data); err == nil {
			t.Fatalf("cut after %d batches: no error", batches)
		}
		again := openDB(t, cut.MemoryStorage) // the reload
		if batches == 0 {
			// Nothing stored: the database as it was, to join again.
			if got := all(t, again, "c"); !reflect.DeepEqual(got, before) {
				t.Fatalf("cut before the first batch: %d documents, want %d", len(got), len(before))
			}
		} else {
			sameData(t, again, ref)
		}
		if _, err := cut.Get(ctx, engine.StoreMeta, "join"); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("join marker left: %v", err)
		}
	}
}

// A query after a join reads what it stored, ordered or not, in the
// database that joined (no reopen).
func TestSnapshotJoinQueries(t *testing.T) {
	writer := joinWriter(t, 1500, 2)
	vv, data, err := writer.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, engine.NewMemoryStorage())
	if got := all(t, db, "c"); len(got) != 0 { // the collection is loaded, empty, before the join
		t.Fatalf("before the join: %d documents", len(got))
	}
	if _, err := db.Query(ctx, query.Query{Collection: "c", OrderBy: []query.Order{{Field: "id"}}, Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.ApplySnapshot(ctx, vv, data); err != nil {
		t.Fatal(err)
	}
	ordered, err := db.Query(ctx, query.Query{Collection: "c", OrderBy: []query.Order{{Field: "id"}}})
	if err != nil || len(ordered) != 1499 {
		t.Fatalf("ordered query: %d documents, %v", len(ordered), err)
	}
	if got := all(t, db, "c"); len(got) != 1499 {
		t.Fatalf("query: %d documents", len(got))
	}
}

// BenchmarkApplySnapshot joins a 5,000-document space (written 20 times)
// through its snapshot, into memory storage.
func BenchmarkApplySnapshot(b *testing.B) {
	t := &testing.T{}
	writer := openDB(t, engine.NewMemoryStorage())
	for r := range 20 {
		for from := 0; from < 5000; from += 500 {
			ops := make([]engine.Op, 0, 500)
			for i := from; i < from+500; i++ {
				ops = append(ops, put("c", map[string]any{"id": fmt.Sprintf("i%05d", i), "title": fmt.Sprintf("item %d", i), "round": float64(r)}))
			}
			if err := writer.Commit(ctx, ops); err != nil {
				b.Fatal(err)
			}
		}
	}
	vv, data, err := writer.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		db, err := engine.Open(ctx, engine.NewMemoryStorage(), engine.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.ApplySnapshot(ctx, vv, data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "snapshot-bytes")
}
