package query

import (
	"fmt"
	"sync"
	"testing"
)

// counting wraps a Store and counts the documents it hands to queries.
type counting struct {
	*Store
	n int
}

func (c *counting) Scan(coll string, fn func(string, map[string]any) bool) {
	c.Store.Scan(coll, func(id string, doc map[string]any) bool { c.n++; return fn(id, doc) })
}

func (c *counting) Get(coll, id string) (map[string]any, bool) {
	c.n++
	return c.Store.Get(coll, id)
}

func (c *counting) ScanIndex(coll, field string, r Range, desc bool, fn func(string, map[string]any) bool) {
	c.Store.ScanIndex(coll, field, r, desc, func(id string, doc map[string]any) bool { c.n++; return fn(id, doc) })
}

const bigN = 100_000

var (
	bigOnce  sync.Once
	bigStore *Store
)

// big returns a shared store of 100,000 documents indexed on "group",
// "score" and "name". Queries must not modify it.
func big() *Store {
	bigOnce.Do(func() {
		bigStore = NewStore()
		for _, f := range []string{"group", "score", "name"} {
			if err := bigStore.CreateIndex("items", f); err != nil {
				panic(err)
			}
		}
		for i := range bigN {
			bigStore.Put("items", fmt.Sprintf("i%06d", i), bigDoc(i))
		}
	})
	return bigStore
}

func bigDoc(i int) map[string]any {
	return map[string]any{
		"group": int64(i % 1000), // 100 documents per group
		"score": float64((i * 7919) % bigN),
		"name":  fmt.Sprintf("n%05d", (i*31)%bigN),
		"plain": int64(i % 1000), // same as group, not indexed
	}
}

func TestIndexedQueriesExamineFew(t *testing.T) {
	src := &counting{Store: big()}
	w := func(f, op string, v any) *Filter { return &Filter{Field: f, Op: Op(op), Value: v} }
	cases := []struct {
		name    string
		q       Query
		rows    int
		maxSeen int
	}{
		{"eq", Query{Where: w("group", "==", 7)}, 100, 100},
		{"in", Query{Where: w("group", "in", []any{1, 2.0, int64(3)})}, 300, 300},
		{"range", Query{Where: w("score", "<", 50)}, 50, 50},
		{"startsWith", Query{Where: w("name", "startsWith", "n0001")}, 10, 10},
		{"and", Query{Where: &Filter{And: []Filter{*w("plain", "==", 7), *w("group", "==", 7)}}}, 100, 100},
		{"orderBy+limit", Query{OrderBy: []Order{{Field: "score", Desc: true}}, Limit: 20}, 20, 21},
		{"eq+orderBy+limit", Query{Where: w("group", "==", 7), OrderBy: []Order{{Field: "score"}}, Limit: 5}, 5, 100},
		{"range+orderBy+limit", Query{Where: w("score", ">=", 1000), OrderBy: []Order{{Field: "score"}}, Limit: 5, Offset: 5}, 5, 11},
		{"id in", Query{Where: w("id", "in", []any{"i000003", "i099999", "nope", 4}), OrderBy: []Order{{Field: "id", Desc: true}}}, 2, 3},
		{"unindexed", Query{Where: w("plain", "==", 7)}, 100, bigN},
	}
	for _, c := range cases {
		src.n = 0
		c.q.Collection = "items"
		res, err := Run(src, c.q)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := Explain(src, c.q)
		t.Logf("%s: %d rows, %d documents examined, plan %v", c.name, len(res), src.n, p)
		if len(res) != c.rows || src.n > c.maxSeen {
			t.Errorf("%s: %d rows (want %d), examined %d (want <= %d)", c.name, len(res), c.rows, src.n, c.maxSeen)
		}
	}
}

// TestLiveRefillUsesIndex deletes the whole window of a limited live query
// and checks that the refill reads only a few documents through the index.
func TestLiveRefillUsesIndex(t *testing.T) {
	s := NewStore()
	if err := s.CreateIndex("c", "n"); err != nil {
		t.Fatal(err)
	}
	for i := range 10_000 {
		s.Put("c", fmt.Sprintf("k%05d", i), map[string]any{"n": int64(i)})
	}
	src := &counting{Store: s}
	live, err := NewLive(src, Query{Collection: "c", OrderBy: []Order{{Field: "n"}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var tx []Change
	for i := range 10 {
		tx = append(tx, Change{Collection: "c", ID: fmt.Sprintf("k%05d", i)})
	}
	s.Apply(tx)
	src.n = 0
	if !live.Apply(tx) {
		t.Fatal("no change reported")
	}
	res := live.Result()
	if len(res) != 10 || res[0].ID != "k00010" || res[9].ID != "k00019" {
		t.Fatalf("result %v", res)
	}
	if src.n > 11 {
		t.Fatalf("refill examined %d documents", src.n)
	}
}

func TestIndexChunks(t *testing.T) {
	s := NewStore()
	if err := s.CreateIndex("c", "v"); err != nil {
		t.Fatal(err)
	}
	g := newGen(1)
	for i := range 5000 {
		id := fmt.Sprintf("%d", g.r.IntN(3000))
		if i%3 == 0 {
			s.Delete("c", id)
		} else {
			s.Put("c", id, map[string]any{"v": g.scalar()})
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateIndex("c", "w"); err != nil { // built in bulk
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if got := s.Indexes("c"); len(got) != 2 {
		t.Fatalf("indexes %v", got)
	}
	if err := s.CreateIndex("c", "a..b"); err == nil {
		t.Fatal("bad path accepted")
	}
}

// Writes queue their index edits; a read between any two writes sees every
// write before it, in order, whether the queue was settled by the read, by
// SettleIndexes or by filling up.
func TestIndexEditsQueuedUntilRead(t *testing.T) {
	s := NewStore()
	if err := s.CreateIndex("c", "v"); err != nil {
		t.Fatal(err)
	}
	g := newGen(2)
	want := map[string]any{} // id -> the indexed value
	for i := range 6000 {
		id := fmt.Sprintf("%d", g.r.IntN(40)) // few ids: each is rewritten many times between reads
		if g.r.IntN(4) == 0 {
			s.Delete("c", id)
			delete(want, id)
		} else {
			v := g.scalar()
			s.Put("c", id, map[string]any{"v": v})
			want[id] = key(id, map[string]any{"v": v}, []string{"v"})
		}
		switch g.r.IntN(200) {
		case 0:
			s.SettleIndexes()
		case 1, 2:
			var got []ientry
			s.ScanIndex("c", "v", Range{}, false, func(id string, doc map[string]any) bool {
				got = append(got, ientry{key: key(id, doc, []string{"v"}), id: id})
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("write %d: the index holds %d documents, want %d", i, len(got), len(want))
			}
			for j, e := range got {
				if Compare(want[e.id], e.key) != 0 || (j > 0 && cmpIentry(got[j-1], e) >= 0) {
					t.Fatalf("write %d: entry %d (%s) is stale or out of order", i, j, e.id)
				}
			}
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
