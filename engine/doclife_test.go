package engine_test

import (
	"maps"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// clockFrom is fixedClock starting offset after it.
func clockFrom(offset time.Duration) func() time.Time {
	t := time.Unix(1_700_000_000, 0).Add(offset)
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

// ship applies to db the changes from holds that a version v lacked.
func ship(t *testing.T, from, to *engine.DB, v crdt.VersionVector) {
	t.Helper()
	if err := to.ApplyRemote(ctx, changesSince(t, from, v)); err != nil {
		t.Fatal(err)
	}
}

// changesSince returns the changes db holds that v lacks, decoded.
func changesSince(t *testing.T, db *engine.DB, v crdt.VersionVector) []*crdt.Change {
	t.Helper()
	envs, err := db.SyncStore(ctx, "").ChangesSince(v, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var changes []*crdt.Change
	for _, e := range envs {
		c, err := crdt.DecodeChange(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	return changes
}

func version(t *testing.T, db *engine.DB) crdt.VersionVector {
	t.Helper()
	v, err := db.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDeleteConcurrentWithUpdate is issue 14's scenario end to end: A
// deletes y while B updates its title, offline; then they exchange
// changes. The later of the two wins on both sides: an update ordered after
// the delete brings back the whole document (its text, counter, nested map
// and list included) with the new title, never {id, title} alone, and a
// subscribed query on a field the update did not touch sees it come back;
// an update ordered before the delete goes with the document.
func TestDeleteConcurrentWithUpdate(t *testing.T) {
	const title = "edited by B while A deleted"
	for _, updateLater := range []bool{true, false} {
		name := map[bool]string{true: "update after delete", false: "update before delete"}[updateLater]
		t.Run(name, func(t *testing.T) {
			offB := -time.Second
			if updateLater {
				offB = time.Second
			}
			memA, memB := engine.NewMemoryStorage(), engine.NewMemoryStorage()
			a := openClock(t, memA, clockFrom(0))
			b := openClock(t, memB, clockFrom(offB))
			commit(t, a, put("todos", map[string]any{
				"id": "y", "title": "original", "done": false, "prio": 2.0,
				"body":  map[string]any{"$hearth": "text", "value": "some notes"},
				"votes": map[string]any{"$hearth": "counter", "value": 3.0},
				"meta":  map[string]any{"owner": "ann"}, "tags": []any{"home"},
			}))
			ship(t, a, b, nil)
			q := query.Query{Collection: "todos", Where: &query.Filter{Field: "prio", Op: query.OpEq, Value: 2.0}}
			var mu sync.Mutex
			var seen []map[string]any
			cancel, err := b.Subscribe(ctx, q, func(rows []map[string]any) { mu.Lock(); seen = rows; mu.Unlock() })
			if err != nil {
				t.Fatal(err)
			}
			defer cancel()
			want := maps.Clone(get(t, b, "todos", "y"))
			want["title"] = title
			va, vb := version(t, a), version(t, b)

			commit(t, a, engine.Op{Kind: engine.OpDelete, Collection: "todos", ID: "y"})
			commit(t, b, engine.Op{Kind: engine.OpUpdate, Collection: "todos", ID: "y", Value: map[string]any{"title": title}})
			ship(t, a, b, vb)
			ship(t, b, a, va)

			var wantRows []map[string]any
			if updateLater {
				wantRows = []map[string]any{want}
			}
			for i, db := range []*engine.DB{a, b} {
				doc, ok, err := db.Get(ctx, "todos", "y")
				if err != nil {
					t.Fatal(err)
				}
				if ok != updateLater || (ok && !reflect.DeepEqual(doc, want)) {
					t.Fatalf("replica %d reads %v (exists %v), want %v (exists %v)", i, doc, ok, want, updateLater)
				}
				if rows := queryRows(t, db, q); !reflect.DeepEqual(rows, wantRows) {
					t.Fatalf("replica %d: query returns %v, want %v", i, rows, wantRows)
				}
			}
			mu.Lock()
			got := seen
			mu.Unlock()
			if !reflect.DeepEqual(got, wantRows) && !(len(got) == 0 && len(wantRows) == 0) {
				t.Fatalf("subscription on b saw %v, want %v", got, wantRows)
			}
			a.Close()
			b.Close()
			for i, m := range []*engine.MemoryStorage{memA, memB} {
				db := openDB(t, m.Reopen())
				if doc := get(t, db, "todos", "y"); (doc != nil) != updateLater || (doc != nil && !reflect.DeepEqual(doc, want)) {
					t.Fatalf("replica %d after reopen reads %v", i, doc)
				}
				db.Close()
			}
		})
	}
}

func openClock(t *testing.T, s engine.Storage, clock func() time.Time) *engine.DB {
	t.Helper()
	db, err := engine.Open(ctx, s, engine.Options{Clock: clock, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func queryRows(t *testing.T, db *engine.DB, q query.Query) []map[string]any {
	t.Helper()
	rows, err := db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return nil
	}
	return rows
}
