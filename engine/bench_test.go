package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// benchDoc is a task-like document as the browser benchmark writes
// (web/bench/engine-page.js): 8 fields, one a nested object with a list.
func benchDoc(i int, r *rand.Rand, updatedAt float64) map[string]any {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}
	return map[string]any{
		"id":        fmt.Sprintf("item-%06d", i),
		"title":     fmt.Sprintf("%s %s task %d", words[r.IntN(6)], words[r.IntN(6)], i),
		"owner":     fmt.Sprintf("user-%d", r.IntN(200)),
		"status":    []string{"open", "in-progress", "blocked", "done"}[r.IntN(4)],
		"priority":  float64(1 + r.IntN(5)),
		"score":     float64(r.IntN(1_000_000)) / 100,
		"done":      r.IntN(10) < 3,
		"updatedAt": updatedAt,
		"meta":      map[string]any{"project": words[r.IntN(6)], "estimate": float64(r.IntN(40)), "tags": []any{words[r.IntN(6)], words[r.IntN(6)]}},
	}
}

// BenchmarkCommitWith20LiveQueries is the engine's part of the browser's
// write → callback benchmark, natively and on MemoryStorage: one put into
// a loaded collection of 10,000 documents with 4 persisted indexes and 20
// live queries, from Commit to its return (the subscribers are called on
// the way, before the storage commit). It also reports the time from
// Commit to the first subscriber's call, the engine's share of the
// browser's write → callback latency.
func BenchmarkCommitWith20LiveQueries(b *testing.B) {
	db, err := engine.Open(ctx, engine.NewMemoryStorage(), engine.Options{Clock: fixedClock()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(1, 2))
	for _, f := range []string{"status", "owner", "score", "updatedAt"} {
		if err := db.CreateIndex(ctx, "items", f); err != nil {
			b.Fatal(err)
		}
	}
	const docs = 10_000
	for start := 0; start < docs; start += 1000 {
		ops := make([]engine.Op, 0, 1000)
		for i := start; i < start+1000; i++ {
			ops = append(ops, put("items", benchDoc(i, r, float64(i))))
		}
		if err := db.Commit(ctx, ops); err != nil {
			b.Fatal(err)
		}
	}
	order := func(f string, desc bool) []query.Order { return []query.Order{{Field: f, Desc: desc}} }
	eq := func(f string, v any) *query.Filter { return &query.Filter{Field: f, Op: query.OpEq, Value: v} }
	var queries []query.Query
	for _, s := range []string{"open", "in-progress", "blocked", "done"} {
		queries = append(queries, query.Query{Collection: "items", Where: eq("status", s), OrderBy: order("updatedAt", true), Limit: 20})
	}
	for _, u := range []string{"user-7", "user-42", "user-199"} {
		queries = append(queries, query.Query{Collection: "items", Where: eq("owner", u), OrderBy: order("priority", true), Limit: 10})
	}
	for _, x := range []float64{2500, 5000, 7500} {
		queries = append(queries, query.Query{Collection: "items", Where: &query.Filter{Field: "score", Op: query.OpGe, Value: x}, OrderBy: order("score", false), Limit: 10})
	}
	queries = append(queries,
		query.Query{Collection: "items", OrderBy: order("score", true), Limit: 20},
		query.Query{Collection: "items", OrderBy: order("score", true), Offset: 20, Limit: 20},
		query.Query{Collection: "items", Where: eq("done", false), OrderBy: append(order("priority", true), order("updatedAt", true)...), Limit: 25},
		query.Query{Collection: "items", Where: &query.Filter{Field: "priority", Op: query.OpIn, Value: []any{4.0, 5.0}}, Select: []string{"title", "priority"}, Limit: 25},
		query.Query{Collection: "items", Where: &query.Filter{Field: "title", Op: query.OpStartsWith, Value: "alpha"}, OrderBy: order("title", false), Limit: 20},
		query.Query{Collection: "items", Where: eq("meta.project", "alpha"), OrderBy: order("updatedAt", true), Limit: 15},
		query.Query{Collection: "items", Where: &query.Filter{Or: []query.Filter{*eq("status", "blocked"), *eq("priority", 5.0)}}, OrderBy: order("score", false), Limit: 10},
		query.Query{Collection: "items", Where: &query.Filter{And: []query.Filter{*eq("done", true), {Field: "score", Op: query.OpLt, Value: 5000.0}}}, OrderBy: order("title", false), Limit: 10},
		query.Query{Collection: "items", Where: &query.Filter{Field: "meta.estimate", Op: query.OpGt, Value: 30.0}, OrderBy: order("meta.estimate", true), Limit: 10},
		query.Query{Collection: "items", OrderBy: order("updatedAt", true), Limit: 10},
	)
	calls := 0
	var start, first time.Time // of the commit being timed, and its first callback
	for _, q := range queries {
		cancel, err := db.SubscribeResult(ctx, q, func(query.Result) {
			calls++
			if first.Before(start) {
				first = time.Now()
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		defer cancel()
	}
	updatedAt := float64(docs)
	var toFirst time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		updatedAt++
		op := put("items", benchDoc(r.IntN(docs), r, updatedAt))
		start = time.Now()
		if err := db.Commit(ctx, []engine.Op{op}); err != nil {
			b.Fatal(err)
		}
		toFirst += first.Sub(start)
	}
	b.ReportMetric(float64(calls)/float64(b.N), "callbacks/op")
	b.ReportMetric(float64(toFirst.Nanoseconds())/float64(b.N), "ns-to-first-callback/op")
}
