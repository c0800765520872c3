package query

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

var sentinels = []error{ErrCollection, ErrField, ErrOperator, ErrValue, ErrFilter,
	ErrOrderBy, ErrLimit, ErrOffset, ErrSelect, ErrUnknownKey}

// FuzzFromMap feeds FromMap the JSON object decoded from fuzz bytes. It must
// return a sentinel error or a valid query that runs, and whose ToMap form
// parses back to the same query.
func FuzzFromMap(f *testing.F) {
	for _, seed := range []string{
		`{"collection":"todos","where":["done","==",false],"orderBy":["created"],"limit":50}`,
		`{"collection":"c","where":{"or":[{"field":"a.b","op":"in","value":[1,"x",null]},["s","startsWith","ab"]]}}`,
		`{"collection":"c","where":{"and":[["n",">=",1],["n","<",2.5],["tags","contains","x"]]},"orderBy":[{"field":"n","dir":"desc"}],"offset":2,"select":["n","m.x"]}`,
		`{"collection":"c","where":["id","not-in",["a"]],"limit":0}`,
		`{"collection":"","where":[]}`,
	} {
		f.Add([]byte(seed))
	}
	src := NewStore()
	_ = src.CreateIndex("c", "n")
	for i, d := range []map[string]any{{"n": 1.0, "s": "abc"}, {"n": "x", "tags": []any{"x"}}, {}} {
		src.Put("c", string(rune('a'+i)), d)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		q, err := FromMap(m)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if err := q.Validate(); err != nil {
			t.Fatalf("FromMap returned an invalid query: %v", err)
		}
		if _, err := Run(src, q); err != nil {
			t.Fatalf("Run: %v", err)
		}
		again, err := FromMap(q.ToMap())
		if err != nil || !reflect.DeepEqual(again.ToMap(), q.ToMap()) {
			t.Fatalf("ToMap round trip: %v\n%v\n%v", err, q.ToMap(), again.ToMap())
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func TestFromMapErrors(t *testing.T) {
	cases := map[string]error{
		`{"where":["a","==",1]}`:                                  ErrCollection,
		`{"collection":"c","where":["a..b","==",1]}`:              ErrField,
		`{"collection":"c","where":["a","~",1]}`:                  ErrOperator,
		`{"collection":"c","where":["a","in",1]}`:                 ErrValue,
		`{"collection":"c","where":["a","startsWith",1]}`:         ErrValue,
		`{"collection":"c","where":{"and":1}}`:                    ErrFilter,
		`{"collection":"c","where":["a","=="]}`:                   ErrFilter,
		`{"collection":"c","orderBy":[{"field":"a","dir":"up"}]}`: ErrOrderBy,
		`{"collection":"c","limit":0}`:                            ErrLimit,
		`{"collection":"c","limit":1.5}`:                          ErrLimit,
		`{"collection":"c","offset":-1}`:                          ErrOffset,
		`{"collection":"c","select":[1]}`:                         ErrSelect,
		`{"collection":"c","sort":[]}`:                            ErrUnknownKey,
	}
	for in, want := range cases {
		var m map[string]any
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			t.Fatal(err)
		}
		if _, err := FromMap(m); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", in, err, want)
		}
	}
	q := Query{Collection: "c", Where: &Filter{Field: "a", Op: OpEq, Value: struct{}{}}}
	if err := q.Validate(); !errors.Is(err, ErrValue) {
		t.Errorf("struct value: got %v", err)
	}
	q = Query{Collection: "c", Where: &Filter{Field: "a", Op: OpEq, And: []Filter{}}}
	if err := q.Validate(); !errors.Is(err, ErrFilter) {
		t.Errorf("mixed node: got %v", err)
	}
}
