package query

import (
	"fmt"
	"math"
	"slices"
)

// Plan is how a query reads its source: a full scan, or a walk over ranges
// of one index.
type Plan struct {
	// Index is the indexed field path used, or "" for a full scan.
	Index string
	// Ranges are the disjoint key ranges walked, in ascending order.
	Ranges []Range
	// ByID is set when Index is "id" and the Source has no such index:
	// the points of Ranges are then read with Source.Get.
	ByID bool
	// Ordered is set when the index is on the first orderBy field, so the
	// walk yields documents in result order and can stop early under a
	// limit. Desc gives the walk's direction.
	Ordered bool
	Desc    bool
}

// String describes the plan for logs and tests.
func (p Plan) String() string {
	switch {
	case p.Index == "":
		return "scan"
	case p.ByID:
		return fmt.Sprintf("get %d ids (ordered=%v, desc=%v)", len(p.Ranges), p.Ordered, p.Desc)
	}
	return fmt.Sprintf("index %s (%d ranges, ordered=%v, desc=%v)", p.Index, len(p.Ranges), p.Ordered, p.Desc)
}

// Explain returns the plan Run would use for q on src.
func Explain(src Source, q Query) (Plan, error) {
	c, err := compile(q)
	if err != nil {
		return Plan{}, err
	}
	return c.plan(src), nil
}

// candidate is an index usable for the query with the ranges it narrows to.
type candidate struct {
	field  string
	ranges []Range
	points bool // every range is a single key
	byID   bool // points of the document id, read with Source.Get
}

// plan picks an index. Only comparisons reachable from the root through
// "and" nodes narrow an index (an "or" falls back to a scan). Among indexed
// fields it prefers equality/in (point lookups), then ranges and
// startsWith, breaking ties for the first orderBy field, then by name.
// Equality or in on "id" needs no index: the ids are read with Source.Get. With
// no usable filter it walks the index of the first orderBy field when the
// query has a limit, so it can stop early.
func (c *compiled) plan(src Source) Plan {
	ix, _ := src.(Indexer)
	indexed := func(field string) bool { return ix != nil && ix.Indexed(c.q.Collection, field) }
	var best *candidate
	for _, cand := range c.candidates(indexed) {
		if best == nil || c.better(cand, *best) {
			best = &cand
		}
	}
	first := ""
	if len(c.q.OrderBy) > 0 {
		first = c.q.OrderBy[0].Field
	}
	if best == nil {
		if first == "" || c.need < 0 || !indexed(first) {
			return Plan{}
		}
		best = &candidate{field: first, ranges: []Range{{}}}
	}
	p := Plan{Index: best.field, Ranges: best.ranges, ByID: best.byID, Ordered: best.field == first}
	if p.Ordered {
		p.Desc = c.q.OrderBy[0].Desc
	}
	return p
}

func (c *compiled) better(a, b candidate) bool {
	if a.points != b.points {
		return a.points
	}
	if a.byID != b.byID {
		return a.byID
	}
	first := ""
	if len(c.q.OrderBy) > 0 {
		first = c.q.OrderBy[0].Field
	}
	if (a.field == first) != (b.field == first) {
		return a.field == first
	}
	return a.field < b.field
}

// candidates intersects the ranges of the top-level conjuncts per indexed
// field, and on "id" when they reduce it to points.
func (c *compiled) candidates(indexed func(string) bool) []candidate {
	byField := map[string][]Range{}
	var fields []string
	for _, f := range conjuncts(c.where) {
		rs, ok := leafRanges(f)
		if !ok || (f.field != "id" && !indexed(f.field)) {
			continue
		}
		if prev, seen := byField[f.field]; seen {
			rs = intersectAll(prev, rs)
		} else {
			fields = append(fields, f.field)
		}
		byField[f.field] = rs
	}
	out := make([]candidate, 0, len(fields))
	for _, f := range fields {
		cand := candidate{field: f, ranges: byField[f], points: allPoints(byField[f])}
		if f == "id" && !indexed(f) {
			if !cand.points {
				continue
			}
			cand.byID = true
		}
		out = append(out, cand)
	}
	return out
}

// conjuncts returns the comparisons that every match satisfies.
func conjuncts(f *cfilter) []*cfilter {
	switch {
	case f == nil || f.or != nil:
		return nil
	case f.and != nil:
		var out []*cfilter
		for i := range f.and {
			out = append(out, conjuncts(&f.and[i])...)
		}
		return out
	}
	return []*cfilter{f}
}

// leafRanges returns the key ranges a comparison confines its field to.
func leafRanges(f *cfilter) ([]Range, bool) {
	k := kindOf(f.value)
	switch f.op {
	case OpEq:
		return []Range{point(f.value)}, true
	case OpIn:
		return pointsOf(f.list), true
	case OpLt, OpLe:
		return []Range{{Lo: kindLo(k), Hi: &Bound{f.value, f.op == OpLe}}}, true
	case OpGt, OpGe:
		return []Range{{Lo: &Bound{f.value, f.op == OpGe}, Hi: kindHi(k)}}, true
	case OpStartsWith:
		return []Range{prefixRange(f.value.(string))}, true
	}
	return nil, false
}

func point(v any) Range {
	return Range{Lo: &Bound{v, true}, Hi: &Bound{v, true}}
}

// pointsOf returns the sorted, deduplicated points of an "in" list.
func pointsOf(list []any) []Range {
	vs := slices.Clone(list)
	slices.SortFunc(vs, Compare)
	vs = slices.CompactFunc(vs, func(a, b any) bool { return Compare(a, b) == 0 })
	out := make([]Range, len(vs))
	for i, v := range vs {
		out[i] = point(v)
	}
	return out
}

// kindLo and kindHi bound the values of one type class, conservatively: the
// filter is re-applied to every document an index yields.
func kindLo(k kind) *Bound {
	switch k {
	case kindBool:
		return &Bound{false, true}
	case kindNumber:
		return &Bound{math.NaN(), true}
	case kindString:
		return &Bound{"", true}
	case kindArray:
		return &Bound{[]any{}, true}
	case kindMap:
		return &Bound{map[string]any{}, true}
	}
	return &Bound{nil, true}
}

func kindHi(k kind) *Bound {
	switch k {
	case kindNull:
		return &Bound{nil, true}
	case kindBool:
		return &Bound{true, true}
	case kindNumber:
		return &Bound{math.Inf(1), true}
	case kindString:
		return &Bound{[]any{}, false}
	case kindArray:
		return &Bound{map[string]any{}, false}
	}
	return nil
}

// prefixRange covers the strings starting with p: [p, p') where p' is p with
// its last byte below 0xff incremented.
func prefixRange(p string) Range {
	r := Range{Lo: &Bound{p, true}, Hi: kindHi(kindString)}
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			r.Hi = &Bound{string(b[:i+1]), false}
			break
		}
	}
	return r
}

func allPoints(rs []Range) bool {
	for _, r := range rs {
		if r.Lo == nil || r.Hi == nil || !r.Lo.Inclusive || !r.Hi.Inclusive || Compare(r.Lo.Value, r.Hi.Value) != 0 {
			return false
		}
	}
	return true
}

// intersectAll intersects two sorted lists of disjoint ranges.
func intersectAll(a, b []Range) []Range {
	var out []Range
	for _, x := range a {
		for _, y := range b {
			if r, ok := intersect(x, y); ok {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(x, y Range) int { return cmpLo(x.Lo, y.Lo) })
	return out
}

func intersect(x, y Range) (Range, bool) {
	r := Range{Lo: x.Lo, Hi: x.Hi}
	if cmpLo(y.Lo, r.Lo) > 0 {
		r.Lo = y.Lo
	}
	if cmpHi(y.Hi, r.Hi) < 0 {
		r.Hi = y.Hi
	}
	if r.Lo == nil || r.Hi == nil {
		return r, true
	}
	c := Compare(r.Lo.Value, r.Hi.Value)
	return r, c < 0 || (c == 0 && r.Lo.Inclusive && r.Hi.Inclusive)
}

// cmpLo orders lower bounds: nil first; at equal values inclusive first.
func cmpLo(a, b *Bound) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if c := Compare(a.Value, b.Value); c != 0 {
		return c
	}
	return -compareBools(a.Inclusive, b.Inclusive)
}

// cmpHi orders upper bounds: nil last; at equal values exclusive first.
func cmpHi(a, b *Bound) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if c := Compare(a.Value, b.Value); c != 0 {
		return c
	}
	return compareBools(a.Inclusive, b.Inclusive)
}
