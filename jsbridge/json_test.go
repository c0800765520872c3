//go:build js && wasm

package jsbridge

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthdb/hearth/query"
)

// Rows that share a key count but not their keys must not share a
// remembered key order; integral floats are written as integers, other
// numbers (and -0) as the shortest float.
func TestResultJSONShapesAndNumbers(t *testing.T) {
	rows := []any{
		map[string]any{"id": "1", "b": 1.0, "a": map[string]any{"y": 2.5, "x": math.Copysign(0, -1)}},
		map[string]any{"a": 1e15, "id": "2", "c": -3.0},
		map[string]any{"id": "3", "b": 1e14, "a": map[string]any{"x": 1.0, "z": 0.1}},
		map[string]any{"zz": nil, "id": "4", "b": []any{map[string]any{"q": true, "p": false}}},
		map[string]any{"b": "no id", "a": "\xff\x01"},
	}
	b, err := appendJSON(nil, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":"1","a":{"x":-0,"y":2.5},"b":1},{"id":"2","a":1e+15,"c":-3},` +
		`{"id":"3","a":{"x":1,"z":0.1},"b":100000000000000},{"id":"4","b":[{"p":false,"q":true}],"zz":null},` +
		`{"a":"\ufffd\u0001","b":"no id"}]`
	if string(b) != want {
		t.Fatalf("appendJSON =\n%s\nwant\n%s", b, want)
	}
}

// A live query's rows are written with their ID first, whether or not the
// document holds an "id" field, exactly as Subscribe's copies were; a
// second result sends a row whose document map is the same as the number
// of its place in the first, and writes the others anew.
func TestResultRowsJSON(t *testing.T) {
	a := map[string]any{"n": 1.0, "id": "stale", "m": map[string]any{"id": "inner"}}
	b := map[string]any{"n": 2.5}
	cache := &rowCache{}
	text, err := appendJSON(nil, cachedRows{query.Result{{ID: "a", Doc: a}, {ID: "b", Doc: b}, {ID: "c", Doc: map[string]any{}}}, cache})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":"a","m":{"id":"inner"},"n":1},{"id":"b","n":2.5},{"id":"c"}]`
	if string(text) != want {
		t.Fatalf("first result = %s\nwant %s", text, want)
	}
	text, err = appendJSON(nil, cachedRows{query.Result{{ID: "b", Doc: map[string]any{"n": 3.0}}, {ID: "a", Doc: a}, {ID: "d", Doc: b}}, cache})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"id":"b","n":3},0,{"id":"d","n":2.5}]`; string(text) != want {
		t.Fatalf("second result = %s\nwant %s", text, want)
	}
	if len(cache.last) != 3 {
		t.Fatalf("the cache holds %d rows after a result of 3", len(cache.last))
	}
	// Places are those of the call before, not of the first.
	text, err = appendJSON(nil, cachedRows{query.Result{{ID: "a", Doc: a}, {ID: "d", Doc: b}}, cache})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[1,2]`; string(text) != want {
		t.Fatalf("third result = %s\nwant %s", text, want)
	}
}

// Unchanged rows keep their order from call to call, but not their place:
// here the first 70 rows left the result (further than find scans), a row
// changed and a new one came first. Every unchanged row is still found.
func TestResultRowsJSONFarMoves(t *testing.T) {
	var rows query.Result
	for i := range 100 {
		rows = append(rows, query.Row{ID: strconv.Itoa(i), Doc: map[string]any{"n": float64(i)}})
	}
	cache := &rowCache{}
	if _, err := appendJSON(nil, cachedRows{rows, cache}); err != nil {
		t.Fatal(err)
	}
	next := append(query.Result{{ID: "new", Doc: map[string]any{}}}, rows[70:]...)
	next[11].Doc = map[string]any{"n": 800.0} // row "80", changed
	text, err := appendJSON(nil, cachedRows{next, cache})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"id":"new"}`}
	for i := 70; i < 100; i++ {
		if i == 80 {
			want = append(want, `{"id":"80","n":800}`)
		} else {
			want = append(want, strconv.Itoa(i))
		}
	}
	if w := "[" + strings.Join(want, ",") + "]"; string(text) != w {
		t.Fatalf("result = %s\nwant %s", text, w)
	}
}

// A query's result (engine.QueryResult, no copies) is written as the
// copies with their "id" field that engine.Query returns were.
func TestQueryResultJSON(t *testing.T) {
	res := query.Result{
		{ID: "a", Doc: map[string]any{"n": 1.0, "id": "stale", "m": map[string]any{"id": "inner"}}},
		{ID: "b", Doc: map[string]any{"t": "x", "n": 2.5}},
		{ID: "c", Doc: map[string]any{}},
	}
	got, err := appendJSON(nil, resultRows(res))
	if err != nil {
		t.Fatal(err)
	}
	copies := make([]any, len(res))
	for i, r := range res {
		m := map[string]any{"id": r.ID}
		for k, v := range r.Doc {
			if k != "id" {
				m[k] = v
			}
		}
		copies[i] = m
	}
	want, err := appendJSON(nil, copies)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) || !strings.HasPrefix(string(got), `[{"id":"a","m":{"id":"inner"},"n":1}`) {
		t.Fatalf("resultRows =\n%s\nwant\n%s", got, want)
	}
	if empty, _ := appendJSON(nil, resultRows(nil)); string(empty) != "[]" {
		t.Fatalf("no rows = %s", empty)
	}
}
