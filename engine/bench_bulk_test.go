package engine_test

import (
	"fmt"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

// BenchmarkBulkPut is the engine's part of the browser's records
// benchmark: transactions of 1,000 puts of new {id, title, done, n, tags}
// documents, on MemoryStorage; ns/op is per document.
func BenchmarkBulkPut(b *testing.B) {
	db, err := engine.Open(ctx, engine.NewMemoryStorage(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ReportAllocs()
	ops := make([]engine.Op, 0, 1000)
	for i := 0; i < b.N; {
		ops = ops[:0]
		for ; len(ops) < 1000 && i < b.N; i++ {
			id := fmt.Sprint("r", i)
			ops = append(ops, engine.Op{Kind: engine.OpPut, Collection: "items", ID: id, Value: map[string]any{
				"id": id, "title": fmt.Sprint("title ", i), "done": i%2 == 0, "n": float64(i), "tags": []any{"a", "b"},
			}})
		}
		if err := db.Commit(ctx, ops); err != nil {
			b.Fatal(err)
		}
	}
}
