package query

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// gen produces random documents and queries over a small vocabulary, so that
// filters match, values collide across types and fields go missing.
type gen struct{ r *rand.Rand }

var (
	genFields  = []string{"a", "b", "n", "s", "tags", "m.x", "m.y", "id"}
	genStrings = []string{"", "a", "ab", "abc", "b", "ba", "x", "é"}
	genOps     = []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpNotIn, OpContains, OpStartsWith}
)

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b9))} }

func (g *gen) scalar() any {
	switch g.r.IntN(7) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2, 3:
		return int64(g.r.IntN(7) - 2)
	case 4:
		return float64(g.r.IntN(14)-4) / 2 // halves, some equal to ints
	}
	return genStrings[g.r.IntN(len(genStrings))]
}

func (g *gen) value(depth int) any {
	if depth > 0 && g.r.IntN(8) == 0 {
		arr := make([]any, g.r.IntN(3))
		for i := range arr {
			arr[i] = g.value(depth - 1)
		}
		return arr
	}
	if depth > 0 && g.r.IntN(10) == 0 {
		return map[string]any{"x": g.value(depth - 1)}
	}
	return g.scalar()
}

func (g *gen) doc() map[string]any {
	d := map[string]any{}
	for _, f := range []string{"a", "b", "n", "s"} {
		if g.r.IntN(5) > 0 {
			d[f] = g.value(1)
		}
	}
	if g.r.IntN(3) > 0 {
		tags := make([]any, g.r.IntN(4))
		for i := range tags {
			tags[i] = genStrings[g.r.IntN(len(genStrings))]
		}
		d["tags"] = tags
	}
	switch g.r.IntN(4) {
	case 0:
		d["m"] = g.value(1) // sometimes not a map
	case 1, 2:
		m := map[string]any{"x": g.value(1)}
		if g.r.IntN(2) == 0 {
			m["y"] = g.scalar()
		}
		d["m"] = m
	}
	return d
}

func (g *gen) id() string { return fmt.Sprintf("d%02d", g.r.IntN(60)) }

func (g *gen) filter(depth int) Filter {
	if depth > 0 && g.r.IntN(3) == 0 {
		kids := make([]Filter, 1+g.r.IntN(3))
		for i := range kids {
			kids[i] = g.filter(depth - 1)
		}
		if g.r.IntN(2) == 0 {
			return Filter{And: kids}
		}
		return Filter{Or: kids}
	}
	f := Filter{Field: genFields[g.r.IntN(len(genFields))], Op: genOps[g.r.IntN(len(genOps))]}
	switch f.Op {
	case OpIn, OpNotIn:
		list := make([]any, g.r.IntN(4))
		for i := range list {
			list[i] = g.value(1)
		}
		f.Value = list
	case OpStartsWith:
		f.Value = genStrings[g.r.IntN(len(genStrings))]
	default:
		f.Value = g.value(1)
	}
	if f.Field == "id" && f.Op != OpIn && f.Op != OpNotIn && g.r.IntN(2) == 0 {
		f.Value = g.id()
	}
	return f
}

func (g *gen) query() Query {
	q := Query{Collection: "c"}
	if g.r.IntN(6) > 0 {
		f := g.filter(2)
		q.Where = &f
	}
	for range g.r.IntN(3) {
		q.OrderBy = append(q.OrderBy, Order{Field: genFields[g.r.IntN(len(genFields))], Desc: g.r.IntN(2) == 0})
	}
	if g.r.IntN(2) == 0 {
		q.Limit = 1 + g.r.IntN(8)
	}
	if g.r.IntN(3) == 0 {
		q.Offset = g.r.IntN(4)
	}
	if g.r.IntN(4) == 0 {
		q.Select = []string{genFields[g.r.IntN(len(genFields))], genFields[g.r.IntN(len(genFields))]}
	}
	return q
}

// indexedStore returns a store with indexes on most generated fields.
func indexedStore() *Store {
	s := NewStore()
	for _, f := range []string{"a", "n", "s", "m.x", "tags"} {
		if err := s.CreateIndex("c", f); err != nil {
			panic(err)
		}
	}
	return s
}

func describe(q Query) string {
	return strings.ReplaceAll(fmt.Sprintf("%v", q.ToMap()), "map", "")
}
