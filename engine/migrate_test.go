package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hearthdb/hearth/query"
)

// toLayout1 rewrites a database's document records the way layout 1
// stored them: the value in StoreDocs (none for a deleted document), the
// state in StoreState, and no metaLayout.
func toLayout1(t *testing.T, s Storage) {
	t.Helper()
	ctx := context.Background()
	kvs, err := s.Scan(ctx, StoreDocs, "")
	if err != nil {
		t.Fatal(err)
	}
	writes := []Write{{Store: StoreMeta, Key: metaLayout}}
	for _, kv := range kvs {
		value, state, err := splitDocRecord(kv.Value)
		if err != nil || state == nil {
			t.Fatalf("%q: not a record (%v)", kv.Key, err)
		}
		writes = append(writes, Write{Store: StoreDocs, Key: kv.Key, Value: value}, Write{Store: StoreState, Key: kv.Key, Value: state})
	}
	if err := s.Commit(ctx, writes); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateLayout1(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStorage()
	db, err := Open(ctx, s, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 3*inlineLimit) // checkpointed whole, then tailed
	var ops []Op
	for i := range 2*migrateBatch + 7 { // three storage commits of migration
		id := string(rune('a'+i%26)) + strings.Repeat("-", i/26)
		ops = append(ops, Op{Kind: OpPut, Collection: "c", ID: id, Value: map[string]any{"id": id, "n": int64(i)}})
	}
	ops = append(ops, Op{Kind: OpPut, Collection: "t", ID: "note", Value: map[string]any{"id": "note", "body": long}},
		Op{Kind: OpDelete, Collection: "c", ID: "b"})
	if err := db.Commit(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, []Op{{Kind: OpUpdate, Collection: "t", ID: "note", Value: map[string]any{"title": "t"}}}); err != nil {
		t.Fatal(err)
	}
	want, err := db.Query(ctx, query.Query{Collection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s = s.Reopen()
	toLayout1(t, s)
	db, err = Open(ctx, s, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if keys, err := s.Keys(ctx, StoreState, "", "", false, 0); err != nil || len(keys) != 0 {
		t.Fatalf("StoreState after the migration: %d keys (%v)", len(keys), err)
	}
	if got, err := s.Get(ctx, StoreMeta, metaLayout); err != nil || !reflect.DeepEqual(got, layoutRecords) {
		t.Fatalf("layout %v (%v)", got, err)
	}
	got, err := db.Query(ctx, query.Query{Collection: "c"})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after the migration: %d docs (%v), want %d", len(got), err, len(want))
	}
	if _, ok, err := db.Get(ctx, "c", "b"); ok || err != nil {
		t.Fatalf("the deleted document after the migration: %v %v", ok, err)
	}
	if err := db.Commit(ctx, []Op{{Kind: OpUpdate, Collection: "c", ID: "a", Value: map[string]any{"n": int64(-1)}}, {Kind: OpUpdate, Collection: "t", ID: "note", Value: map[string]any{"n": int64(1)}}}); err != nil {
		t.Fatal(err)
	}
	if a, _, err := db.Get(ctx, "c", "a"); err != nil || a["n"] != int64(-1) {
		t.Fatalf("a after an update: %v %v", a, err)
	}
	note, ok, err := db.Get(ctx, "t", "note")
	if err != nil || !ok || note["body"] != long || note["title"] != "t" || note["n"] != int64(1) {
		t.Fatalf("note after the migration: %v %v %v", ok, err, note["title"])
	}
}
