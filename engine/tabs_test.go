package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// tabs is an in-process stand-in for Web Locks + BroadcastChannel: one lock
// shared by every "tab" of a storage, and notices delivered asynchronously
// and in order to each other tab.
type tabs struct {
	lock sync.Mutex
	mu   sync.Mutex
	dbs  []*engine.DB
	wg   sync.WaitGroup
	q    map[*engine.DB]chan []byte
	// largest is the size of the largest notice published.
	largest int
}

type tab struct {
	t    *tabs
	self **engine.DB
}

func (c tab) Exclusive(_ context.Context, fn func(bool) error) error {
	c.t.lock.Lock()
	defer c.t.lock.Unlock()
	return fn(false) // released after every call: never continuous
}

func (c tab) Publish(msg []byte) {
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	c.t.largest = max(c.t.largest, len(msg))
	for db, ch := range c.t.q {
		if db != *c.self {
			c.t.wg.Add(1)
			ch <- msg
		}
	}
}

func (t *tabs) open(tb testing.TB, s engine.Storage) *engine.DB {
	var self *engine.DB
	db, err := engine.Open(ctx, s, engine.Options{Clock: fixedClock(), Coordinator: tab{t, &self}, Strict: true})
	if err != nil {
		tb.Fatal(err)
	}
	self = db
	ch := make(chan []byte, 1<<16)
	t.mu.Lock()
	if t.q == nil {
		t.q = map[*engine.DB]chan []byte{}
	}
	t.q[db] = ch
	t.mu.Unlock()
	go func() {
		for msg := range ch {
			if err := db.Receive(msg); err != nil {
				tb.Errorf("Receive: %v", err)
			}
			t.wg.Done()
		}
	}()
	return db
}

// settle waits until every published notice has been received.
func (t *tabs) settle() { t.wg.Wait() }

func TestTabsSeeEachOthersWritesLive(t *testing.T) {
	var ts tabs
	mem := engine.NewMemoryStorage()
	a, b := ts.open(t, mem), ts.open(t, mem.Reopen())
	var mu sync.Mutex
	var seen [][]map[string]any
	cancel, err := a.Subscribe(ctx, query.Query{Collection: "todos", Where: &query.Filter{Field: "done", Op: query.OpEq, Value: false}}, func(r []map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	commit(t, b, put("todos", map[string]any{"id": "1", "done": false}))
	ts.settle()
	commit(t, b, put("todos", map[string]any{"id": "2", "done": true}))
	ts.settle()
	mu.Lock()
	defer mu.Unlock()
	want := [][]map[string]any{{}, {{"id": "1", "done": false}}}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("tab A's subscription saw %v, want %v (a write that does not change the result must not call back)", seen, want)
	}
}

// Two tabs write the same documents concurrently; afterwards both agree with
// each other and with a database freshly opened on the storage.
func TestConcurrentTabsConverge(t *testing.T) {
	var ts tabs
	mem := engine.NewMemoryStorage()
	a, b := ts.open(t, mem), ts.open(t, mem.Reopen())
	for _, db := range []*engine.DB{a, b} {
		all(t, db, "c") // load the collection so the view follows notices
	}
	commit(t, a, put("c", map[string]any{"id": "n", "count": map[string]any{"$hearth": "counter", "value": 0.0}}))
	var wg sync.WaitGroup
	for w, db := range []*engine.DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprint(i % 7)
				ops := []engine.Op{
					put("c", map[string]any{"id": id, "by": float64(w), "i": float64(i)}),
					{Kind: engine.OpIncrement, Collection: "c", ID: "n", Path: []string{"count"}, Delta: 1},
				}
				if err := db.Commit(ctx, ops); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	ts.settle()
	fresh := openDB(t, mem.Reopen())
	want := all(t, fresh, "c")
	if n := get(t, fresh, "c", "n")["count"]; n != int64(100) {
		t.Fatalf("counter = %v, want 100: an increment was lost", n)
	}
	for name, db := range map[string]*engine.DB{"A": a, "B": b} {
		if got := all(t, db, "c"); !reflect.DeepEqual(got, want) {
			t.Fatalf("tab %s sees %v\nstorage holds %v", name, got, want)
		}
	}
}

// After random writes from two tabs, every subscription's last result
// equals a fresh query.
func TestSubscriptionsEqualFreshQueries(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var ts tabs
	mem := engine.NewMemoryStorage()
	dbs := []*engine.DB{ts.open(t, mem), ts.open(t, mem.Reopen())}
	queries := []query.Query{
		{Collection: "c"},
		{Collection: "c", Where: &query.Filter{Field: "n", Op: query.OpGe, Value: 5.0}, OrderBy: []query.Order{{Field: "n", Desc: true}}, Limit: 3},
		{Collection: "c", Where: &query.Filter{Field: "tag", Op: query.OpIn, Value: []any{"a", "b"}}, OrderBy: []query.Order{{Field: "tag"}}, Offset: 1, Limit: 2},
	}
	var mu sync.Mutex
	last := map[string][]map[string]any{}
	for d, db := range dbs {
		for i, q := range queries {
			key := fmt.Sprint(d, "/", i)
			cancel, err := db.Subscribe(ctx, q, func(r []map[string]any) { mu.Lock(); last[key] = r; mu.Unlock() })
			if err != nil {
				t.Fatal(err)
			}
			defer cancel()
		}
	}
	for range 300 {
		db := dbs[rng.IntN(2)]
		id := fmt.Sprint(rng.IntN(12))
		var op engine.Op
		switch rng.IntN(4) {
		case 0:
			op = engine.Op{Kind: engine.OpDelete, Collection: "c", ID: id}
		case 1:
			if get(t, db, "c", id) != nil {
				op = engine.Op{Kind: engine.OpUpdate, Collection: "c", ID: id, Value: map[string]any{"n": float64(rng.IntN(10))}}
				break
			}
			fallthrough
		default:
			op = put("c", map[string]any{"id": id, "n": float64(rng.IntN(10)), "tag": []string{"a", "b", "c"}[rng.IntN(3)]})
		}
		// This tab's view may not have heard of another tab's delete yet: an
		// update may then find no document, which is the right answer.
		if err := db.Commit(ctx, []engine.Op{op}); err != nil && engine.CodeOf(err) != engine.CodeNotFound {
			t.Fatal(err)
		}
	}
	ts.settle()
	fresh := openDB(t, mem.Reopen())
	for d := range dbs {
		for i, q := range queries {
			want, err := fresh.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := last[fmt.Sprint(d, "/", i)]; !reflect.DeepEqual(got, want) {
				t.Fatalf("tab %d query %d: subscription holds %v, fresh query %v", d, i, got, want)
			}
		}
	}
}
