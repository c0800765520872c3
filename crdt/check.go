package crdt

import "fmt"

// Check verifies the replica's internal invariants: the version vector
// matches the change log, buffered changes are not yet applicable, every
// object hangs off an existing map, and every sequence's cached lengths,
// chunk links and ID index agree with its runs. It returns an error
// wrapping ErrCorrupt describing the first violation. It costs time linear
// in the size of the replica; WithStrict runs it after every change.
func (r *Replica) Check() error {
	r.syncOwn()
	for a, s := range r.version {
		l := r.log[a]
		if l != nil && l.first+uint64(len(l.changes))-1 != s {
			return corrupt("log of %s ends at %d, version says %d", a, l.first+uint64(len(l.changes))-1, s)
		}
	}
	for a, m := range r.pending {
		for s := range m {
			if s <= r.version[a] {
				return corrupt("pending %s seq %d already applied", a, s)
			}
		}
	}
	for k, d := range r.docs {
		if err := d.check(); err != nil {
			return fmt.Errorf("document %s/%s: %w", k.coll, k.id, err)
		}
	}
	return nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func (d *docState) check() error {
	root := d.objs[ID{}]
	if root == nil || root.kind != kindMap {
		return corrupt("root map missing")
	}
	for id, o := range d.objs {
		if err := d.checkObject(id, o); err != nil {
			return fmt.Errorf("object %v: %w", id, err)
		}
	}
	return nil
}

func (d *docState) checkObject(id ID, o *object) error {
	if !id.IsZero() {
		if p := d.objs[o.parent]; p == nil || p.kind != kindMap {
			return corrupt("parent %v is not a map", o.parent)
		}
		steps := 0
		for cur := o; cur != nil && cur != d.objs[ID{}]; cur = d.objs[cur.parent] {
			if steps++; steps > len(d.objs) {
				return corrupt("parent chain loops")
			}
		}
	}
	switch o.kind {
	case kindMap:
		for k, e := range o.fields {
			if e.obj {
				c := d.objs[e.objID()]
				if c == nil || c.parent != id || c.key != k {
					return corrupt("field %q refers to a missing or misplaced object", k)
				}
			}
		}
	case kindText:
		return o.text.check()
	case kindList:
		return o.list.check()
	case kindCounter:
	default:
		return corrupt("unknown kind %d", o.kind)
	}
	return nil
}

// check verifies a sequence's structure.
func (s *seq[T]) check() error {
	vis, all, runs := 0, 0, 0
	for i, c := range s.chunks {
		if err := s.checkChunk(i, c, vis, all); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		vis += c.vis
		all += c.all
		runs += len(c.runs)
	}
	if vis != s.vis || all != s.all {
		return corrupt("lengths %d/%d, cached %d/%d", vis, all, s.vis, s.all)
	}
	if len(s.preVis) != len(s.chunks) || len(s.preAll) != len(s.chunks) || s.valid > len(s.chunks) {
		return corrupt("prefix sums sized wrongly")
	}
	return s.checkIndex(runs)
}

func (s *seq[T]) checkChunk(i int, c *chunk[T], vis, all int) error {
	if c.idx != i || len(c.runs) == 0 || len(c.runs) > chunkMax {
		return corrupt("index %d, %d runs", c.idx, len(c.runs))
	}
	if i < s.valid && (s.preVis[i] != vis || s.preAll[i] != all) {
		return corrupt("stale prefix sums")
	}
	cv, ca := 0, 0
	for _, r := range c.runs {
		if r.ch != c || r.n <= 0 || (r.vals != nil && len(r.vals) != r.n) || (!r.deleted && r.vals == nil) {
			return corrupt("bad run %v", r.id)
		}
		if r.id.IsZero() || r.id.Actor == "" || s.lookup(r.id) != r {
			return corrupt("run %v not indexed", r.id)
		}
		cv += r.vis()
		ca += r.n
	}
	if cv != c.vis || ca != c.all {
		return corrupt("chunk lengths %d/%d, cached %d/%d", cv, ca, c.vis, c.all)
	}
	return nil
}

func (s *seq[T]) checkIndex(runs int) error {
	n := 0
	for a, x := range s.index {
		var last uint64
		first := true
		for _, b := range x.blocks {
			if len(b) == 0 {
				return corrupt("empty index block of %s", a)
			}
			for _, r := range b {
				if r.id.Actor != a || (!first && r.id.Ctr < last) {
					return corrupt("index of %s unsorted", a)
				}
				last, first = r.id.Ctr+uint64(r.n), false
				n++
			}
		}
	}
	if n != runs {
		return corrupt("index holds %d runs, sequence %d", n, runs)
	}
	return nil
}
