package engine_test

import (
	"testing"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// SubscribeResult sees what Subscribe sees, as (id, document) rows.
func TestSubscribeResultMatchesSubscribe(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	commit(t, db, put("c", map[string]any{"id": "a", "n": 2.0}), put("c", map[string]any{"id": "b", "n": 1.0}))
	q := query.Query{Collection: "c", OrderBy: []query.Order{{Field: "n"}}}
	var copies [][]map[string]any
	var raw [][]map[string]any
	stop1, err := db.Subscribe(ctx, q, func(r []map[string]any) { copies = append(copies, r) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop1()
	stop2, err := db.SubscribeResult(ctx, q, func(r query.Result) {
		rows := make([]map[string]any, len(r))
		for i, row := range r {
			rows[i] = map[string]any{"id": row.ID}
			for k, v := range row.Doc {
				if k != "id" {
					rows[i][k] = v
				}
			}
		}
		raw = append(raw, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	commit(t, db, put("c", map[string]any{"id": "c", "n": 0.5}))
	stop2()
	commit(t, db, put("c", map[string]any{"id": "d", "n": 0.0}))
	if len(raw) != 2 || len(copies) != 3 {
		t.Fatalf("calls: SubscribeResult %d (want 2), Subscribe %d (want 3)", len(raw), len(copies))
	}
	for i := range raw {
		if want := copies[i]; !equalRows(raw[i], want) {
			t.Errorf("call %d: SubscribeResult rows %v, Subscribe rows %v", i, raw[i], want)
		}
	}
}

func equalRows(a, b []map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for k, v := range a[i] {
			if b[i][k] != v {
				return false
			}
		}
	}
	return true
}
