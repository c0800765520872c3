package query

import (
	"fmt"
	"testing"
	"time"
)

// TestLargeMatchesReference runs random index-friendly queries, and live
// versions of them under random transactions, on 3,000 documents whose keys
// repeat across many index chunks, against the reference (and, between
// reference checks, live results against fresh queries).
func TestLargeMatchesReference(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGen(seed)
	store := NewStore()
	if err := store.CreateIndex("c", "v"); err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{}
	for i := range 3000 {
		id := fmt.Sprintf("k%04d", i)
		docs[id] = map[string]any{"v": g.scalar(), "w": g.scalar()}
		store.Put("c", id, docs[id])
	}
	var lives []*Live
	for i := range 40 {
		q := g.largeQuery()
		if got, _ := Run(store, q); !sameResult(got, refRun(docs, q)) {
			p, _ := Explain(store, q)
			t.Fatalf("query %d (%v) %s: got %v", i, p, describe(q), got)
		}
		l, err := NewLive(store, q)
		if err != nil {
			t.Fatal(err)
		}
		lives = append(lives, l)
	}
	for tx := range 40 {
		batch := g.largeBatch(docs)
		store.Apply(batch)
		for i, l := range lives {
			l.Apply(batch)
			if err := l.Check(); err != nil {
				t.Fatal(err)
			}
			want, _ := Run(store, l.Query())
			if tx%20 == 19 { // the reference is slow on 3,000 documents
				want = refRun(docs, l.Query())
			}
			if !sameResult(l.Result(), want) {
				t.Fatalf("tx %d live %d %s:\n got %v\nwant %v", tx, i, describe(l.Query()), l.Result(), want)
			}
		}
	}
	if err := store.Check(); err != nil {
		t.Fatal(err)
	}
}

func (g *gen) largeQuery() Query {
	ops := []Op{OpEq, OpLt, OpGe, OpIn, OpStartsWith}
	f := Filter{Field: "v", Op: ops[g.r.IntN(len(ops))], Value: g.scalar()}
	switch f.Op {
	case OpIn:
		f.Value = []any{g.scalar(), g.scalar(), g.scalar()}
	case OpStartsWith:
		f.Value = genStrings[g.r.IntN(len(genStrings))]
	}
	q := Query{Collection: "c", Limit: 1 + g.r.IntN(40), Offset: g.r.IntN(20)}
	if g.r.IntN(4) > 0 {
		q.Where = &f
	}
	q.OrderBy = []Order{{Field: "v", Desc: g.r.IntN(2) == 0}}
	if g.r.IntN(2) == 0 {
		q.OrderBy = append(q.OrderBy, Order{Field: "w", Desc: g.r.IntN(2) == 0})
	}
	return q
}

func (g *gen) largeBatch(docs map[string]map[string]any) []Change {
	var out []Change
	for range 1 + g.r.IntN(30) {
		id := fmt.Sprintf("k%04d", g.r.IntN(3200))
		if g.r.IntN(3) == 0 {
			delete(docs, id)
			out = append(out, Change{Collection: "c", ID: id})
			continue
		}
		docs[id] = map[string]any{"v": g.scalar(), "w": g.scalar()}
		out = append(out, Change{Collection: "c", ID: id, Doc: docs[id]})
	}
	return out
}
