package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/query"
)

// randField returns a random field value for a put or an update: scalars,
// nested maps, lists, text and counter markers, and now and then a value
// the engine refuses (a marker in a list, NaN).
func randField(r *rand.Rand, depth int) any {
	switch n := r.IntN(12); {
	case n == 0 && depth < 3:
		m := map[string]any{}
		for range r.IntN(3) {
			m[fmt.Sprint("k", r.IntN(4))] = randField(r, depth+1)
		}
		return m
	case n == 1:
		return []any{float64(r.IntN(5)), "x", map[string]any{"in": true}}
	case n == 2:
		return map[string]any{markerKey: markerText, "value": "hé"}
	case n == 3:
		return map[string]any{markerKey: markerCounter, "value": float64(r.IntN(5))}
	case n == 4 && r.IntN(8) == 0:
		return []any{map[string]any{markerKey: markerText, "value": "no"}}
	case n == 5 && r.IntN(8) == 0:
		return math.NaN()
	case n == 6:
		return nil
	case n == 7:
		return r.IntN(2) == 0
	case n == 8:
		return "s" + fmt.Sprint(r.IntN(3))
	}
	return float64(r.IntN(10))
}

func randPatch(r *rand.Rand, depth int) map[string]any {
	p := map[string]any{}
	for range 1 + r.IntN(3) {
		k := fmt.Sprint("f", r.IntN(4))
		switch r.IntN(4) {
		case 0:
			p[k] = map[string]any{markerKey: markerDelete}
		case 1:
			if depth < 2 {
				p[k] = randPatch(r, depth+1) // merges into a map field, or replaces another
				continue
			}
			fallthrough
		default:
			p[k] = randField(r, depth+1)
		}
	}
	return p
}

// Random transactions of puts, updates (nested merges, deletions of present
// and absent fields, markers) and deletes, some touching one document
// several times, with counter and text edits between them: the outcome a
// commit shows before its transaction is the one the transaction makes
// (Strict panics otherwise), the subscription always equals a fresh query,
// and most commits are shown early.
func TestPredictedCommitsMatchTheirTransactions(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	db, err := Open(ctx, NewMemoryStorage(), Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var last []map[string]any
	cancel, err := db.Subscribe(ctx, query.Query{Collection: "c"}, func(rows []map[string]any) { last = rows })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	predicted, commits := 0, 0
	for range 600 {
		var ops []Op
		for range 1 + r.IntN(3) {
			id := fmt.Sprint(r.IntN(5))
			switch r.IntN(7) {
			case 0:
				ops = append(ops, Op{Kind: OpDelete, Collection: "c", ID: id})
			case 1, 2:
				ops = append(ops, Op{Kind: OpUpdate, Collection: "c", ID: id, Value: randPatch(r, 0)})
			case 3:
				ops = append(ops, Op{Kind: OpIncrement, Collection: "c", ID: id, Path: []string{"f1"}, Delta: 1})
			default:
				doc := map[string]any{"id": id}
				for range r.IntN(4) {
					doc[fmt.Sprint("f", r.IntN(4))] = randField(r, 1)
				}
				ops = append(ops, Op{Kind: OpPut, Collection: "c", ID: id, Value: doc})
			}
		}
		db.mu.Lock()
		_, ok := db.predict(ops)
		db.mu.Unlock()
		if err := db.Commit(ctx, ops); err != nil {
			if c := CodeOf(err); c != CodeNotFound && c != CodeInvalidArgument {
				t.Fatal(err)
			}
			continue
		}
		commits++
		if ok {
			predicted++
		}
		want, err := db.Query(ctx, query.Query{Collection: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(last, want) && !(len(last) == 0 && len(want) == 0) {
			t.Fatalf("after %v: subscription holds %v, fresh query %v", ops, last, want)
		}
	}
	t.Logf("%d of %d commits shown before their transaction", predicted, commits)
	if predicted < commits/3 {
		t.Fatalf("only %d of %d commits were shown before their transaction", predicted, commits)
	}
}
