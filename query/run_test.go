package query

import (
	"reflect"
	"testing"
	"time"
)

func sameResult(a, b Result) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// TestRunMatchesReference checks 1,000 random queries on random documents,
// on a plain store (full scans) and an indexed one, against refRun.
func TestRunMatchesReference(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGen(seed)
	plans := map[string]int{}
	for round := range 20 {
		plain, indexed := NewStore(), indexedStore()
		docs := map[string]map[string]any{}
		for range 80 {
			id, doc := g.id(), g.doc()
			docs[id] = doc
			plain.Put("c", id, doc)
			indexed.Put("c", id, doc)
		}
		if err := indexed.Check(); err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			q := g.query()
			want := refRun(docs, q)
			p, _ := Explain(indexed, q)
			plans[p.Index]++
			for name, src := range map[string]*Store{"scan": plain, "indexed": indexed} {
				got, err := Run(src, q)
				if err != nil {
					t.Fatalf("round %d query %d: %v", round, i, err)
				}
				if !sameResult(got, want) {
					p, _ := Explain(src, q)
					t.Fatalf("round %d query %d (%s, %v): %s\n got %v\nwant %v", round, i, name, p, describe(q), got, want)
				}
			}
		}
	}
	t.Logf("plans by index (\"\" = scan): %v", plans)
}

func TestRunExamples(t *testing.T) {
	s := NewStore()
	s.Put("c", "1", map[string]any{"n": int64(1), "s": "apple", "tags": []any{"red"}})
	s.Put("c", "2", map[string]any{"n": 1.0, "s": "banana"})
	s.Put("c", "3", map[string]any{"n": 2.5, "s": "apricot", "m": map[string]any{"x": true}})
	s.Put("c", "4", map[string]any{"s": nil})
	cases := []struct {
		where Filter
		want  []string
	}{
		{Filter{Field: "n", Op: OpEq, Value: int64(1)}, []string{"1", "2"}},
		{Filter{Field: "n", Op: OpLt, Value: "z"}, nil},
		{Filter{Field: "n", Op: OpNe, Value: 1}, []string{"3"}},
		{Filter{Field: "s", Op: OpStartsWith, Value: "ap"}, []string{"1", "3"}},
		{Filter{Field: "s", Op: OpContains, Value: "nan"}, []string{"2"}},
		{Filter{Field: "tags", Op: OpContains, Value: "red"}, []string{"1"}},
		{Filter{Field: "m.x", Op: OpEq, Value: true}, []string{"3"}},
		{Filter{Field: "s", Op: OpEq, Value: nil}, []string{"4"}},
		{Filter{Field: "id", Op: OpIn, Value: []any{"2", "4"}}, []string{"2", "4"}},
		{Filter{Or: []Filter{{Field: "n", Op: OpGt, Value: 2}, {Field: "s", Op: OpNotIn, Value: []any{"apple", "apricot"}}}}, []string{"2", "3", "4"}},
	}
	for _, c := range cases {
		res, err := Run(s, Query{Collection: "c", Where: &c.where})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range res {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%+v: got %v, want %v", c.where, ids, c.want)
		}
	}
}

func TestProjection(t *testing.T) {
	s := NewStore()
	doc := map[string]any{"a": map[string]any{"b": 1.0, "c": 2.0}, "d": "x"}
	s.Put("c", "k", doc)
	res, err := Run(s, Query{Collection: "c", Select: []string{"a.b", "id", "a.b.z", "missing", "a.b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": map[string]any{"b": 1.0}, "id": "k"}
	if !reflect.DeepEqual(res[0].Doc, want) {
		t.Fatalf("got %v, want %v", res[0].Doc, want)
	}
	if len(doc["a"].(map[string]any)) != 2 {
		t.Fatal("projection modified the document")
	}
}

func TestCompareNumbers(t *testing.T) {
	cases := []struct {
		a, b any
		want int
	}{
		{int64(1), 1.0, 0},
		{int64(1), 1.5, -1},
		{2.5, int64(2), 1},
		{int64(-9007199254740993), -9007199254740992.0, -1},
		{int64(9223372036854775807), 9223372036854775807.0, -1},
		{int64(-9223372036854775808), -9223372036854775808.0, 0},
		{nil, false, -1},
		{true, int64(0), -1},
		{"", []any{}, -1},
		{[]any{}, map[string]any{}, -1},
		{Missing, nil, -1},
		{[]any{1.0}, []any{int64(1), nil}, -1},
		{map[string]any{"a": 1.0}, map[string]any{"b": 0.0}, -1},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Compare(c.b, c.a); got != -c.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}
