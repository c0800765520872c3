package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// pagedStorage is a MemoryStorage whose scans hand over pages of size
// records and stop after the first open pages until release is called,
// as a long IndexedDB read of a large collection would.
type pagedStorage struct {
	*engine.MemoryStorage
	size, open int
	gate       chan struct{}
	once       sync.Once
}

func newPaged(s *engine.MemoryStorage, size, open int) *pagedStorage {
	return &pagedStorage{MemoryStorage: s, size: size, open: open, gate: make(chan struct{})}
}

func (g *pagedStorage) release() { g.once.Do(func() { close(g.gate) }) }

// ScanPages implements engine.PageScanner.
func (g *pagedStorage) ScanPages(ctx context.Context, store, prefix string, fn func([]engine.KV) error) error {
	kvs, err := g.Scan(ctx, store, prefix)
	if err != nil {
		return err
	}
	for i := 0; len(kvs) > 0; i++ {
		if i >= g.open {
			<-g.gate
		}
		n := min(g.size, len(kvs))
		if err := fn(kvs[:n]); err != nil {
			return err
		}
		kvs = kvs[n:]
	}
	return nil
}

// itemsDB stores n documents {id: dNNN, n} in a MemoryStorage, some of
// them updated afterwards (so that they read through their tails), and
// returns the storage, closed.
func itemsDB(t *testing.T, n int) *engine.MemoryStorage {
	t.Helper()
	s := engine.NewMemoryStorage()
	db := openDB(t, s)
	var ops []engine.Op
	for i := range n {
		ops = append(ops, put("items", map[string]any{"id": fmt.Sprintf("d%03d", i), "n": float64(i)}))
	}
	commit(t, db, ops...)
	for i := 3; i < n; i += 7 {
		commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "items", ID: fmt.Sprintf("d%03d", i), Value: map[string]any{"updated": true}})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(rows []map[string]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r["id"].(string)
	}
	return out
}

// TestFirstRowsBeforeTheLoadEnds: a limited query without orderBy, and
// a subscription to one, get their rows from the first page of a
// collection whose load has not ended; a commit during the load shows in
// them; once the load ends the subscription is live and equals a fresh
// query.
func TestFirstRowsBeforeTheLoadEnds(t *testing.T) {
	g := newPaged(itemsDB(t, 100).Reopen(), 10, 1)
	defer g.release()
	db := openDB(t, g)
	defer db.Close()

	first := query.Query{Collection: "items", Limit: 5}
	rows, err := db.Query(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(rows), []string{"d000", "d001", "d002", "d003", "d004"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first rows %v, want %v", got, want)
	}
	if rows[3]["updated"] != true {
		t.Fatalf("d003 read without its tail: %v", rows[3])
	}

	// A commit while the collection loads: d001 goes, d002 changes.
	commit(t, db, engine.Op{Kind: engine.OpDelete, Collection: "items", ID: "d001"},
		engine.Op{Kind: engine.OpUpdate, Collection: "items", ID: "d002", Value: map[string]any{"n": float64(-2)}})
	rows, err = db.Query(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(rows), []string{"d000", "d002", "d003", "d004", "d005"}; !reflect.DeepEqual(got, want) || rows[1]["n"] != float64(-2) {
		t.Fatalf("after the commit %v (%v), want %v with d002's n -2", got, rows, want)
	}

	calls := make(chan []map[string]any, 10)
	cancel, err := db.Subscribe(ctx, query.Query{Collection: "items", Where: &query.Filter{Field: "n", Op: ">=", Value: float64(0)}, Limit: 3},
		func(r []map[string]any) { calls <- r })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if got, want := ids(<-calls), []string{"d000", "d003", "d004"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("subscription's first call %v, want %v", got, want)
	}

	// A query the first page cannot answer waits for more.
	late := make(chan []map[string]any, 1)
	go func() {
		rows, err := db.Query(ctx, query.Query{Collection: "items", Where: &query.Filter{Field: "n", Op: ">=", Value: float64(50)}, Limit: 2})
		if err != nil {
			t.Error(err)
		}
		late <- rows
	}()
	select {
	case r := <-late:
		t.Fatalf("answered %v from the first page", ids(r))
	case <-time.After(50 * time.Millisecond):
	}
	// It holds the DB's lock as it waits, as a query waiting for a whole
	// load does: the commit comes after it.
	time.AfterFunc(20*time.Millisecond, g.release)
	commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "items", ID: "d004", Value: map[string]any{"n": float64(-4)}})
	if got, want := ids(<-late), []string{"d050", "d051"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("late query %v, want %v", got, want)
	}
	// The subscription went live with the load: d004 left it since.
	want := []string{"d000", "d003", "d005"}
	for {
		select {
		case r := <-calls:
			if reflect.DeepEqual(ids(r), want) {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the subscription never showed %v", want)
		}
	}
}

// TestPrefixAnswersMatchFullQueries: random filters, limits and offsets
// over random ids, with the load stopped after a random number of pages,
// give what the same query gives once the collection is loaded.
func TestPrefixAnswersMatchFullQueries(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for round := range 30 {
		s := engine.NewMemoryStorage()
		db := openDB(t, s)
		var ops []engine.Op
		for range 1 + r.IntN(80) {
			id := fmt.Sprintf("%c%d", 'a'+r.IntN(5), r.IntN(1000))
			ops = append(ops, put("items", map[string]any{"id": id, "k": float64(r.IntN(4))}))
		}
		commit(t, db, ops...)
		for range r.IntN(5) { // read through their tails
			op := ops[r.IntN(len(ops))]
			commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "items", ID: op.ID, Value: map[string]any{"k": float64(r.IntN(4))}})
		}
		db.Close()
		q := query.Query{Collection: "items", Limit: 1 + r.IntN(10), Offset: r.IntN(3)}
		if r.IntN(2) == 0 {
			q.Where = &query.Filter{Field: "k", Op: "==", Value: float64(r.IntN(4))}
		}
		full := openDB(t, s.Reopen())
		want, err := full.Query(ctx, q)
		full.Close()
		if err != nil {
			t.Fatal(err)
		}
		g := newPaged(s.Reopen(), 1+r.IntN(10), 1+r.IntN(4))
		db = openDB(t, g)
		got := make(chan []map[string]any, 1)
		go func() {
			rows, err := db.Query(ctx, q)
			if err != nil {
				t.Error(err)
			}
			got <- rows
		}()
		var rows []map[string]any
		select {
		case rows = <-got:
		case <-time.After(20 * time.Millisecond):
			g.release()
			rows = <-got
		}
		g.release()
		db.Close()
		if !reflect.DeepEqual(ids(rows), ids(want)) {
			t.Fatalf("round %d, %+v: %v, want %v", round, q, ids(rows), ids(want))
		}
	}
}
