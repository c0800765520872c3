package query

import "slices"

// Row is one result: a document id and the document, projected when the
// query selects fields. Rows share maps with the source: do not modify them.
type Row struct {
	ID  string
	Doc map[string]any
}

// Result is the ordered rows of a query.
type Result []Row

// Run evaluates q against src.
func Run(src Source, q Query) (Result, error) {
	c, err := compile(q)
	if err != nil {
		return nil, err
	}
	return c.window(c.collect(src, nil, c.need)), nil
}

// window turns the first Offset+Limit of the sorted matches top into the
// result.
func (c *compiled) window(top []*entry) Result {
	if c.need >= 0 && len(top) > c.need {
		top = top[:c.need]
	}
	if c.q.Offset >= len(top) {
		return Result{}
	}
	top = top[c.q.Offset:]
	out := make(Result, len(top))
	for i, e := range top {
		out[i] = Row{ID: e.id, Doc: c.projected(e)}
	}
	return out
}

// collect returns, sorted, the first need matches (all when need < 0) that
// sort strictly after the entry after (from the start when nil).
func (c *compiled) collect(src Source, after *entry, need int) []*entry {
	if need == 0 {
		return nil
	}
	p := c.plan(src)
	g := gatherer{c: c, after: after, need: need, ordered: p.Ordered}
	if p.Index == "" {
		src.Scan(c.q.Collection, g.visit)
	} else {
		c.walk(src, p, after, g.visit)
	}
	return g.result()
}

// walk visits the plan's ranges in the plan's direction. An ordered walk
// resumed after a cursor starts at the cursor's key.
func (c *compiled) walk(src Source, p Plan, after *entry, visit func(string, map[string]any) bool) {
	ranges := p.Ranges
	if p.Ordered && after != nil {
		ranges = resume(ranges, after.keys[0], p.Desc)
	}
	stopped := false
	fn := func(id string, doc map[string]any) bool {
		stopped = !visit(id, doc)
		return !stopped
	}
	for i := range ranges {
		r := ranges[i]
		if p.Desc {
			r = ranges[len(ranges)-1-i]
		}
		if p.ByID {
			c.get(src, r, fn)
		} else {
			src.(Indexer).ScanIndex(c.q.Collection, p.Index, r, p.Desc, fn)
		}
		if stopped {
			return
		}
	}
}

// get visits the document whose id is the point r, if any.
func (c *compiled) get(src Source, r Range, fn func(string, map[string]any) bool) {
	id, ok := r.Lo.Value.(string)
	if !ok {
		return
	}
	if doc, ok := src.Get(c.q.Collection, id); ok {
		fn(id, doc)
	}
}

// resume narrows ranges to keys at or after k in the walk's direction.
func resume(ranges []Range, k any, desc bool) []Range {
	cut := Range{Lo: &Bound{k, true}}
	if desc {
		cut = Range{Hi: &Bound{k, true}}
	}
	return intersectAll(ranges, []Range{cut})
}

// gatherer accumulates matches. With an ordered walk it stops once it holds
// need matches and the first sort key moves past the last one kept. Without
// one it keeps the best need matches, sorting and trimming as it goes, and
// after a trim skips, without allocating, what sorts after the worst kept.
type gatherer struct {
	c       *compiled
	after   *entry
	need    int
	ordered bool
	out     []*entry
	worst   *entry // after a trim: the last of need kept matches
	spare   *entry // reused until a match is kept
}

func (g *gatherer) visit(id string, doc map[string]any) bool {
	if !g.c.matches(id, doc) {
		return true
	}
	e := g.c.spareEntry(&g.spare, id, doc)
	if g.after != nil && g.c.cmp(e, g.after) <= 0 {
		return true
	}
	if g.need >= 0 && len(g.out) >= g.need {
		switch {
		case g.ordered:
			if Compare(e.keys[0], g.out[len(g.out)-1].keys[0]) != 0 {
				return false
			}
		case g.worst != nil && g.c.cmp(e, g.worst) >= 0:
			return true
		case len(g.out) >= 2*g.need+64:
			g.trim()
		}
	}
	g.out = append(g.out, e)
	g.spare = nil
	return true
}

func (g *gatherer) trim() {
	slices.SortFunc(g.out, g.c.cmp)
	if g.need >= 0 && len(g.out) >= g.need {
		clear(g.out[g.need:])
		g.out = g.out[:g.need]
		g.worst = g.out[g.need-1]
	}
}

func (g *gatherer) result() []*entry {
	g.trim()
	return g.out
}
