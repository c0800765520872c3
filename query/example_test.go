package query_test

import (
	"fmt"
	"strings"

	"github.com/hearthdb/hearth/query"
)

func Example() {
	store := query.NewStore()
	_ = store.CreateIndex("todos", "created")
	store.Put("todos", "t1", map[string]any{"title": "buy milk", "done": false, "created": int64(3)})
	store.Put("todos", "t2", map[string]any{"title": "write docs", "done": true, "created": int64(1)})
	store.Put("todos", "t3", map[string]any{"title": "ship", "done": false, "created": 2.0})

	// The form the JS API sends for
	// db.query('todos').where('done', '==', false).orderBy('created').limit(50)
	q, err := query.FromMap(map[string]any{
		"collection": "todos",
		"where":      []any{"done", "==", false},
		"orderBy":    []any{"created"},
		"limit":      50.0,
		"select":     []any{"title"},
	})
	if err != nil {
		panic(err)
	}

	reg := query.NewRegistry(store)
	sub, _ := reg.Subscribe(q, func(r query.Result) {
		var rows []string
		for _, row := range r {
			rows = append(rows, fmt.Sprint(row.ID, ":", row.Doc["title"]))
		}
		fmt.Println(strings.Join(rows, ", "))
	})
	defer sub.Close()

	// One transaction: apply it to the store, then to the registry.
	tx := []query.Change{
		{Collection: "todos", ID: "t1", Doc: map[string]any{"title": "buy milk", "done": true, "created": int64(3)}},
		{Collection: "todos", ID: "t4", Doc: map[string]any{"title": "rest", "done": false, "created": int64(0)}},
	}
	store.Apply(tx)
	reg.Apply(tx)

	// A transaction that does not change the result calls nobody back.
	tx = []query.Change{{Collection: "todos", ID: "t2"}}
	store.Apply(tx)
	reg.Apply(tx)

	plan, _ := query.Explain(store, q)
	fmt.Println(plan)
	// Output:
	// t3:ship, t1:buy milk
	// t4:rest, t3:ship
	// index created (1 ranges, ordered=true, desc=false)
}
