package engine_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

var ctx = context.Background()

// fixedClock returns a clock that advances one millisecond per call, so
// tests do not depend on the wall clock.
func fixedClock() func() time.Time {
	t := time.Unix(1_700_000_000, 0)
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

func openDB(t *testing.T, s engine.Storage) *engine.DB {
	t.Helper()
	db, err := engine.Open(ctx, s, engine.Options{Clock: fixedClock(), Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func put(coll string, doc map[string]any) engine.Op {
	return engine.Op{Kind: engine.OpPut, Collection: coll, ID: doc["id"].(string), Value: doc}
}

func commit(t *testing.T, db *engine.DB, ops ...engine.Op) {
	t.Helper()
	if err := db.Commit(ctx, ops); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func get(t *testing.T, db *engine.DB, coll, id string) map[string]any {
	t.Helper()
	doc, ok, err := db.Get(ctx, coll, id)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil
	}
	return doc
}

func all(t *testing.T, db *engine.DB, coll string) []map[string]any {
	t.Helper()
	docs, err := db.Query(ctx, query.Query{Collection: coll})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestPutUpdateDeleteAndReopen(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	commit(t, db,
		put("todos", map[string]any{"id": "a", "title": "first", "meta": map[string]any{"tags": []any{"x"}, "by": "ann"}}),
		put("todos", map[string]any{"id": "b", "title": "second", "likes": map[string]any{"$hearth": "counter", "value": 1.0}}),
		put("other", map[string]any{"id": "z"}),
	)
	commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "todos", ID: "a", Value: map[string]any{
		"done": true, "meta": map[string]any{"by": "bob", "old": map[string]any{"$hearth": "delete"}},
	}})
	commit(t, db, engine.Op{Kind: engine.OpIncrement, Collection: "todos", ID: "b", Path: []string{"likes"}, Delta: 2})
	want := map[string]any{"id": "a", "title": "first", "done": true, "meta": map[string]any{"tags": []any{"x"}, "by": "bob"}}
	if got := get(t, db, "todos", "a"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after update Get(a) = %#v\nwant %#v", got, want)
	}
	if got := get(t, db, "todos", "b")["likes"]; got != int64(3) {
		t.Fatalf("counter = %#v, want 3", got)
	}
	commit(t, db, engine.Op{Kind: engine.OpDelete, Collection: "todos", ID: "b"}, engine.Op{Kind: engine.OpDelete, Collection: "todos", ID: "never"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDB(t, mem.Reopen())
	defer db.Close()
	if got := all(t, db, "todos"); !reflect.DeepEqual(got, []map[string]any{want}) {
		t.Fatalf("after reopen all = %#v", got)
	}
	commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "todos", ID: "a", Value: map[string]any{"title": "again"}})
	if got := get(t, db, "todos", "a")["title"]; got != "again" {
		t.Fatalf("update after reopen: title = %v", got)
	}
}

func TestTextEdits(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	commit(t, db, put("notes", map[string]any{"id": "n", "body": map[string]any{"$hearth": "text", "value": "hello"}}))
	commit(t, db,
		engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 5, Text: " world"},
		engine.Op{Kind: engine.OpDeleteText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 0, Count: 1},
		engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 0, Text: "H"},
	)
	if got := get(t, db, "notes", "n")["body"]; got != "Hello world" {
		t.Fatalf("body = %q", got)
	}
}

func TestFailedTransactionLeavesNoTrace(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	defer db.Close()
	commit(t, db, put("c", map[string]any{"id": "keep", "v": "old"}))
	var calls int
	cancel, err := db.Subscribe(ctx, query.Query{Collection: "c"}, func([]map[string]any) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	bad := [][]engine.Op{
		{put("c", map[string]any{"id": "new"}), {Kind: engine.OpUpdate, Collection: "c", ID: "missing", Value: map[string]any{"x": 1.0}}},
		{{Kind: engine.OpUpdate, Collection: "c", ID: "keep", Value: map[string]any{"v": "new"}}, {Kind: "explode", Collection: "c", ID: "keep"}},
		{put("c", map[string]any{"id": "nan", "v": []any{1.0, map[string]any{"f": func() {}}}})},
		{{Kind: engine.OpIncrement, Collection: "c", ID: "keep", Path: []string{"v"}, Delta: 1}},
		{put("", map[string]any{"id": "x"})},
		{{Kind: engine.OpUpdate, Collection: "c", ID: "keep", Value: map[string]any{"id": "other"}}},
	}
	for i, ops := range bad {
		err := db.Commit(ctx, ops)
		if err == nil {
			t.Fatalf("bad transaction %d committed", i)
		}
		if code := engine.CodeOf(err); code != engine.CodeInvalidArgument && code != engine.CodeNotFound {
			t.Errorf("bad transaction %d: code %s (%v)", i, code, err)
		}
	}
	if got := all(t, db, "c"); !reflect.DeepEqual(got, []map[string]any{{"id": "keep", "v": "old"}}) {
		t.Fatalf("after failed transactions: %v", got)
	}
	if calls != 1 {
		t.Fatalf("subscription called %d times, want once (the initial result)", calls)
	}
	log, err := mem.Scan(ctx, engine.StoreLog, "")
	if err != nil || len(log) != 1 {
		t.Fatalf("log holds %d changes (%v), want 1", len(log), err)
	}
}

// failingStorage refuses commits while fail is set.
type failingStorage struct {
	*engine.MemoryStorage
	fail bool
}

func (f *failingStorage) Commit(ctx context.Context, w []engine.Write) error {
	if f.fail {
		return engine.ErrQuotaExceeded
	}
	return f.MemoryStorage.Commit(ctx, w)
}

func TestStorageFailureKeepsMemoryAndStorageInStep(t *testing.T) {
	fs := &failingStorage{MemoryStorage: engine.NewMemoryStorage()}
	db := openDB(t, fs)
	defer db.Close()
	commit(t, db, put("c", map[string]any{"id": "a", "n": map[string]any{"$hearth": "counter", "value": 1.0}}))
	all(t, db, "c") // loaded: its subscriptions hear optimistic writes
	var seen []any
	cancel, err := db.SubscribeDoc(ctx, "c", "a", func(doc map[string]any, _ bool) { seen = append(seen, doc["n"]) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	fs.fail = true
	err = db.Commit(ctx, []engine.Op{{Kind: engine.OpIncrement, Collection: "c", ID: "a", Path: []string{"n"}, Delta: 10}})
	if !errors.Is(err, engine.ErrQuotaExceeded) {
		t.Fatalf("Commit on a full storage = %v, want ErrQuotaExceeded", err)
	}
	fs.fail = false
	commit(t, db, engine.Op{Kind: engine.OpIncrement, Collection: "c", ID: "a", Path: []string{"n"}, Delta: 1})
	if got := get(t, db, "c", "a")["n"]; got != int64(2) {
		t.Fatalf("counter = %v, want 2: the refused increment must not survive in memory", got)
	}
	// The subscriber saw the refused write optimistically, then its rollback.
	if want := []any{int64(1), int64(11), int64(1), int64(2)}; !reflect.DeepEqual(seen, want) {
		t.Fatalf("subscriber saw %v, want %v", seen, want)
	}
}

func TestClosedDatabaseFails(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, []engine.Op{put("c", map[string]any{"id": "x"})}); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("Commit after Close = %v, want ErrClosed", err)
	}
	if _, err := db.Query(ctx, query.Query{Collection: "c"}); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("Query after Close = %v, want ErrClosed", err)
	}
}
