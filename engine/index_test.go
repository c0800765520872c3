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

// gatedStorage counts the documents read one by one (Get, GetMany) and can
// hold every scan of the documents store (a collection load) until its gate
// is closed.
type gatedStorage struct {
	*engine.MemoryStorage
	mu       sync.Mutex
	docReads int
	gate     chan struct{}
}

func (g *gatedStorage) count(store string, n int) {
	if store == engine.StoreDocs {
		g.mu.Lock()
		g.docReads += n
		g.mu.Unlock()
	}
}

func (g *gatedStorage) reads() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.docReads
}

func (g *gatedStorage) Get(ctx context.Context, store, key string) ([]byte, error) {
	g.count(store, 1)
	return g.MemoryStorage.Get(ctx, store, key)
}

func (g *gatedStorage) GetMany(ctx context.Context, store string, keys []string) ([][]byte, error) {
	g.count(store, len(keys))
	return g.MemoryStorage.GetMany(ctx, store, keys)
}

func (g *gatedStorage) Scan(ctx context.Context, store, prefix string) ([]engine.KV, error) {
	if store == engine.StoreDocs && g.gate != nil {
		<-g.gate
	}
	return g.MemoryStorage.Scan(ctx, store, prefix)
}

func createIndex(t *testing.T, db *engine.DB, coll, field string) {
	t.Helper()
	if err := db.CreateIndex(ctx, coll, field); err != nil {
		t.Fatalf("CreateIndex(%s, %s): %v", coll, field, err)
	}
}

func checkIndexes(t *testing.T, db *engine.DB) {
	t.Helper()
	if err := db.CheckIndexes(ctx); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, db *engine.DB, q query.Query) []map[string]any {
	t.Helper()
	docs, err := db.Query(ctx, q)
	if err != nil {
		t.Fatalf("Query(%+v): %v", q, err)
	}
	return docs
}

// seedItems stores n documents with n = i%500 and s = i%3, with an index on
// n declared before and one on s built after.
func seedItems(t *testing.T, n int) *engine.MemoryStorage {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	defer db.Close()
	createIndex(t, db, "items", "n")
	for start := 0; start < n; start += 100 {
		var ops []engine.Op
		for i := start; i < min(n, start+100); i++ {
			ops = append(ops, put("items", map[string]any{"id": fmt.Sprintf("i%04d", i), "n": float64(i % 500), "s": fmt.Sprint(i % 3)}))
		}
		commit(t, db, ops...)
	}
	createIndex(t, db, "items", "s")
	checkIndexes(t, db)
	return mem
}

func TestColdQueryReadsOnlyWhatItReturns(t *testing.T) {
	mem := seedItems(t, 2000)
	gs := &gatedStorage{MemoryStorage: mem.Reopen(), gate: make(chan struct{})}
	db := openDB(t, gs)
	defer db.Close()

	top := query.Query{Collection: "items", OrderBy: []query.Order{{Field: "n", Desc: true}}, Limit: 10}
	cold := run(t, db, top) // the gate holds the load: this must not wait for it
	if reads := gs.reads(); reads > 64 {
		t.Errorf("a cold orderBy(n desc).limit(10) read %d documents, want at most one page (32) or two", reads)
	}
	byID := query.Query{Collection: "items", Where: &query.Filter{Field: "id", Op: query.OpIn, Value: []any{"i0007", "nope"}}}
	coldByID := run(t, db, byID)
	ranged := query.Query{Collection: "items", Where: &query.Filter{Field: "n", Op: query.OpGe, Value: 497.0}, OrderBy: []query.Order{{Field: "s"}}}
	coldRanged := run(t, db, ranged)

	close(gs.gate)
	if got := all(t, db, "items"); len(got) != 2000 { // waits for the load
		t.Fatalf("loaded %d documents, want 2000", len(got))
	}
	for _, c := range []struct {
		q    query.Query
		cold []map[string]any
		size int
	}{{top, cold, 10}, {byID, coldByID, 1}, {ranged, coldRanged, 12}} {
		if loaded := run(t, db, c.q); !reflect.DeepEqual(c.cold, loaded) || len(loaded) != c.size {
			t.Errorf("query %+v: cold %v, loaded %v (want %d rows)", c.q, c.cold, loaded, c.size)
		}
	}
	if cold[0]["n"] != 499.0 || cold[0]["id"] != "i1999" {
		t.Errorf("first row %v, want i1999 with n 499", cold[0])
	}
}

func TestCreateIndexChecksItsArguments(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	for _, c := range [][2]string{{"", "n"}, {"c", ""}, {"c", "a..b"}, {"c", "a\x00b"}, {"c\x00d", "n"}} {
		if err := db.CreateIndex(ctx, c[0], c[1]); engine.CodeOf(err) != engine.CodeInvalidArgument {
			t.Errorf("CreateIndex(%q, %q) = %v, want an InvalidArgumentError", c[0], c[1], err)
		}
	}
}

// randomValue is a field value of any kind, absent (nil, false) a fifth of
// the time.
func randomValue(rng *rand.Rand) (any, bool) {
	switch rng.IntN(10) {
	case 0, 1:
		return nil, false
	case 2:
		return nil, true
	case 3:
		return rng.IntN(2) == 0, true
	case 4:
		return []any{float64(rng.IntN(3)), "x"}[:rng.IntN(3)], true
	case 5, 6:
		return []string{"", "a", "ab", "b", "é", "😀"}[rng.IntN(6)], true
	}
	return float64(rng.IntN(20)) / 2, true
}

func randomDoc(rng *rand.Rand, id string) map[string]any {
	doc := map[string]any{"id": id}
	for _, f := range []string{"a", "c"} {
		if v, ok := randomValue(rng); ok {
			doc[f] = v
		}
	}
	if v, ok := randomValue(rng); ok {
		doc["m"] = map[string]any{"b": v}
	}
	return doc
}

func randomQuery(rng *rand.Rand) query.Query {
	fields := []string{"a", "m.b", "c", "id"}
	q := query.Query{Collection: "r"}
	for range rng.IntN(3) {
		q.OrderBy = append(q.OrderBy, query.Order{Field: fields[rng.IntN(len(fields))], Desc: rng.IntN(2) == 0})
	}
	leaf := func() query.Filter {
		ops := []query.Op{query.OpEq, query.OpNe, query.OpLt, query.OpLe, query.OpGt, query.OpGe, query.OpIn, query.OpStartsWith}
		f := query.Filter{Field: fields[rng.IntN(len(fields))], Op: ops[rng.IntN(len(ops))]}
		v, _ := randomValue(rng)
		switch f.Op {
		case query.OpIn:
			w, _ := randomValue(rng)
			f.Value = []any{v, w}
		case query.OpStartsWith:
			f.Value = []string{"", "a", "é"}[rng.IntN(3)]
		default:
			f.Value = v
		}
		return f
	}
	switch rng.IntN(4) {
	case 1:
		f := leaf()
		q.Where = &f
	case 2:
		q.Where = &query.Filter{And: []query.Filter{leaf(), leaf()}}
	}
	if rng.IntN(3) > 0 {
		q.Limit = 1 + rng.IntN(8)
		q.Offset = rng.IntN(3)
	}
	return q
}

// TestColdQueriesMatchLoadedQueries is the property test of cold reads and
// index maintenance: after random puts, updates and deletes (indexes
// declared before and after), a random query on a freshly opened database
// (answered from the persisted indexes when the planner can) returns what
// the same query returns once the collection is loaded.
func TestColdQueriesMatchLoadedQueries(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			mem := engine.NewMemoryStorage()
			db := openDB(t, mem)
			createIndex(t, db, "r", "a")
			for step := range 60 {
				var ops []engine.Op
				touched := map[string]bool{}
				for range 1 + rng.IntN(5) {
					id := fmt.Sprintf("d%02d", rng.IntN(40))
					if touched[id] {
						continue
					}
					touched[id] = true
					switch rng.IntN(4) {
					case 0:
						ops = append(ops, engine.Op{Kind: engine.OpDelete, Collection: "r", ID: id})
					case 1:
						if get(t, db, "r", id) != nil {
							patch := randomDoc(rng, id)
							delete(patch, "id")
							ops = append(ops, engine.Op{Kind: engine.OpUpdate, Collection: "r", ID: id, Value: patch})
							continue
						}
						fallthrough
					default:
						ops = append(ops, put("r", randomDoc(rng, id)))
					}
				}
				commit(t, db, ops...)
				if step == 30 {
					createIndex(t, db, "r", "m.b")
				}
			}
			checkIndexes(t, db)
			db.Close()
			loaded := openDB(t, mem.Reopen())
			defer loaded.Close()
			all(t, loaded, "r")
			for range 60 {
				q := randomQuery(rng)
				cold := openDB(t, mem.Reopen())
				got := run(t, cold, q)
				cold.Close()
				if want := run(t, loaded, q); !reflect.DeepEqual(got, want) {
					t.Fatalf("query %+v\ncold:   %v\nloaded: %v", q, got, want)
				}
			}
		})
	}
}

// hookedStorage runs onKeys (once) before its first Keys call.
type hookedStorage struct {
	*engine.MemoryStorage
	onKeys func()
}

func (h *hookedStorage) Keys(ctx context.Context, store, lo, hi string, reverse bool, limit int) ([]string, error) {
	keys, err := h.MemoryStorage.Keys(ctx, store, lo, hi, reverse, limit)
	if f := h.onKeys; f != nil {
		h.onKeys = nil
		f()
	}
	return keys, err
}

func TestColdQueryFallsBackWhenAnotherTabWritesMeanwhile(t *testing.T) {
	mem := seedItems(t, 600)
	var ts tabs
	writer := ts.open(t, mem.Reopen())
	defer writer.Close()
	hooked := &hookedStorage{MemoryStorage: mem.Reopen()}
	reader := ts.open(t, hooked)
	defer reader.Close()
	// Between reading the index and the documents, the other tab moves
	// the top document to the bottom.
	hooked.onKeys = func() {
		commit(t, writer, engine.Op{Kind: engine.OpUpdate, Collection: "items", ID: "i0499", Value: map[string]any{"n": -1.0}})
	}
	got := run(t, reader, query.Query{Collection: "items", OrderBy: []query.Order{{Field: "n", Desc: true}}, Limit: 2})
	if len(got) != 2 || got[0]["id"] != "i0498" || got[1]["id"] != "i0497" {
		t.Fatalf("top 2 = %v, want i0498 and i0497 (i0499 moved to the bottom meanwhile)", got)
	}
	ts.settle()
	checkIndexes(t, reader)
}

// callbacks records the results a subscription hands over.
type callbacks struct {
	mu  sync.Mutex
	got [][]map[string]any
}

func (c *callbacks) add(r []map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, r)
}

func (c *callbacks) list() [][]map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]map[string]any{}, c.got...)
}

func TestColdSubscriptionsGoLiveOnceLoaded(t *testing.T) {
	mem := seedItems(t, 1000)
	gs := &gatedStorage{MemoryStorage: mem.Reopen(), gate: make(chan struct{})}
	db := openDB(t, gs)
	defer db.Close()
	top := query.Query{Collection: "items", OrderBy: []query.Order{{Field: "n", Desc: true}}, Limit: 3}
	bottom := query.Query{Collection: "items", OrderBy: []query.Order{{Field: "n"}}, Limit: 3}
	var changed, unchanged, cancelled callbacks
	var docCalls []any
	for _, s := range []struct {
		q  query.Query
		cb *callbacks
	}{{top, &changed}, {bottom, &unchanged}, {top, &cancelled}} {
		cancel, err := db.Subscribe(ctx, s.q, s.cb.add)
		if err != nil {
			t.Fatal(err)
		}
		if s.cb == &cancelled {
			cancel()
		} else {
			defer cancel()
		}
	}
	cancelDoc, err := db.SubscribeDoc(ctx, "items", "i0002", func(doc map[string]any, ok bool) { docCalls = append(docCalls, doc["n"]) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancelDoc()
	if n := len(changed.list()) + len(unchanged.list()) + len(cancelled.list()) + len(docCalls); n != 4 {
		t.Fatalf("%d first results before the load, want 4 (one each, from the index and storage)", n)
	}
	// While the collection loads, a commit changes the top and document i0002.
	commit(t, db, engine.Op{Kind: engine.OpUpdate, Collection: "items", ID: "i0002", Value: map[string]any{"n": 1000.0}})
	close(gs.gate)
	all(t, db, "items") // waits for the load, after which the subscriptions are live

	if got, want := changed.list(), run(t, db, top); len(got) != 2 || !reflect.DeepEqual(got[1], want) || got[1][0]["id"] != "i0002" {
		t.Errorf("changed subscription saw %v, want its first result then %v", got, want)
	}
	if got := unchanged.list(); len(got) != 1 {
		t.Errorf("unchanged subscription called %d times, want once: %v", len(got), got)
	}
	if got := cancelled.list(); len(got) != 1 {
		t.Errorf("subscription cancelled before the load called %d times, want once", len(got))
	}
	if want := []any{2.0, 1000.0}; !reflect.DeepEqual(docCalls, want) {
		t.Errorf("document subscription saw n = %v, want %v", docCalls, want)
	}
	commit(t, db, engine.Op{Kind: engine.OpDelete, Collection: "items", ID: "i0002"})
	if got := changed.list(); len(got) != 3 || got[2][0]["id"] == "i0002" {
		t.Errorf("live subscription after a delete saw %v", got)
	}
}
