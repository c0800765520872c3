package query

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLive20Queries10k measures one single-document transaction on a
// 10,000-document collection with 20 live queries over it: the Store update
// plus Registry.Apply, including any refill and the callbacks.
func BenchmarkLive20Queries10k(b *testing.B) {
	const n = 10_000
	store := NewStore()
	for _, f := range []string{"group", "score"} {
		if err := store.CreateIndex("items", f); err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		store.Put("items", fmt.Sprintf("i%05d", i), benchDoc(i, i))
	}
	reg := NewRegistry(store)
	for _, q := range benchLiveQueries() {
		if _, err := reg.Subscribe(q, func(Result) {}); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := r.IntN(n)
		tx := []Change{{Collection: "items", ID: fmt.Sprintf("i%05d", k), Doc: benchDoc(k, r.IntN(n))}}
		store.Apply(tx)
		reg.Apply(tx)
	}
}

func benchDoc(i, v int) map[string]any {
	return map[string]any{"group": int64(v % 100), "score": float64(v), "title": fmt.Sprint("t", i)}
}

// benchLiveQueries returns 20 typical subscriptions: top-N lists, per-group
// lists, ranges and an unordered "in".
func benchLiveQueries() []Query {
	var qs []Query
	for k := range 8 {
		qs = append(qs, Query{Collection: "items", Where: &Filter{Field: "group", Op: OpEq, Value: int64(k)},
			OrderBy: []Order{{Field: "score"}}, Limit: 10})
	}
	for k := range 4 {
		qs = append(qs, Query{Collection: "items", OrderBy: []Order{{Field: "score", Desc: true}}, Limit: 20, Offset: k * 5})
	}
	for k := range 4 {
		lo := float64(k * 2000)
		qs = append(qs, Query{Collection: "items", Where: &Filter{And: []Filter{
			{Field: "score", Op: OpGe, Value: lo}, {Field: "score", Op: OpLt, Value: lo + 500}}},
			OrderBy: []Order{{Field: "score"}}, Limit: 10})
	}
	for k := range 4 {
		qs = append(qs, Query{Collection: "items", Where: &Filter{Field: "group", Op: OpIn,
			Value: []any{int64(k), int64(k + 50)}}, Limit: 25, Select: []string{"title"}})
	}
	return qs
}

// BenchmarkIndexedQuery100k runs a selective query (100 of 100,000
// documents, by equality on an indexed field).
func BenchmarkIndexedQuery100k(b *testing.B) {
	src := big()
	q := Query{Collection: "items", Where: &Filter{Field: "group", Op: OpEq, Value: int64(7)}}
	benchRun(b, src, q, 100)
}

// BenchmarkIndexedTopN100k runs a range plus orderBy+limit on an indexed
// field of 100,000 documents.
func BenchmarkIndexedTopN100k(b *testing.B) {
	src := big()
	q := Query{Collection: "items", Where: &Filter{Field: "score", Op: OpGe, Value: 5000.0},
		OrderBy: []Order{{Field: "score"}}, Limit: 20}
	benchRun(b, src, q, 20)
}

// BenchmarkScanQuery100k runs the same selective query on a field without
// an index, which scans all 100,000 documents.
func BenchmarkScanQuery100k(b *testing.B) {
	src := big()
	q := Query{Collection: "items", Where: &Filter{Field: "plain", Op: OpEq, Value: int64(7)}}
	benchRun(b, src, q, 100)
}

// BenchmarkScanTopN100k sorts all 100,000 documents by an unindexed field
// and keeps 20.
func BenchmarkScanTopN100k(b *testing.B) {
	src := big()
	q := Query{Collection: "items", OrderBy: []Order{{Field: "plain", Desc: true}}, Limit: 20}
	benchRun(b, src, q, 20)
}

func benchRun(b *testing.B, src Source, q Query, rows int) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Run(src, q)
		if err != nil || len(res) != rows {
			b.Fatalf("%d rows, %v", len(res), err)
		}
	}
}
