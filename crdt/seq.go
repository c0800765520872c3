package crdt

// The sequence CRDT behind lists and text. Elements form runs: consecutive
// elements inserted together (or typed one after another) by one actor, with
// consecutive counters. A run is split on demand when an edit lands inside
// it. Runs live in chunks of at most chunkMax runs; each chunk caches its
// visible and total length, and the sequence keeps lazily recomputed prefix
// sums of those lengths, so finding a position costs a binary search plus a
// short scan, and an edit only invalidates the prefix sums after its chunk.
// Concurrent insertions are ordered by the YjsMod rule (equivalent to
// FugueMax), which never interleaves them.

const chunkMax = 64

// run is a maximal group of elements sharing one insertion.
type run[T any] struct {
	id      ID  // first element
	left    ID  // left origin of the first element (later elements: the previous one)
	right   ID  // right origin of every element
	n       int // number of elements
	vals    []T // the elements; nil once a deleted run was loaded from a snapshot
	deleted bool
	ch      *chunk[T]
}

func (r *run[T]) vis() int {
	if r.deleted {
		return 0
	}
	return r.n
}

func (r *run[T]) contains(id ID) bool {
	return id.Actor == r.id.Actor && id.Ctr >= r.id.Ctr && id.Ctr < r.id.Ctr+uint64(r.n)
}

type chunk[T any] struct {
	runs     []*run[T]
	vis, all int
	idx      int // position in seq.chunks
}

// seq is a list or text value.
type seq[T any] struct {
	chunks         []*chunk[T]
	preVis, preAll []int // start of chunk i; valid for i < valid
	valid          int
	vis, all       int
	index          map[ActorID]*idIndex[T]
	// lastIdx is index[lastActor]: edits come in streaks from one actor
	// (typing), and hashing its id on every split and look-up showed in
	// profiles.
	lastActor ActorID
	lastIdx   *idIndex[T]
	spans     []idSpan // localDelete's result, reused
	cur       visCursor[T]
	mod       uint64 // counts changes of length, which move positions
}

// visCursor remembers the run the last search by visible position found,
// where it starts and its index in its chunk, for as long as no length
// changes (mod): typing asks next for the position right after the
// previous one, in the run it just extended.
type visCursor[T any] struct {
	r     *run[T]
	j     int // a hint: checked before use
	start int
	mod   uint64
}

func newSeq[T any]() *seq[T] {
	return &seq[T]{index: map[ActorID]*idIndex[T]{}}
}

// prefix returns the visible and total start position of chunk i.
func (s *seq[T]) prefix(i int) (vis, all int) {
	for s.valid <= i {
		k := s.valid
		if k == 0 {
			s.preVis[0], s.preAll[0] = 0, 0
		} else {
			p := s.chunks[k-1]
			s.preVis[k], s.preAll[k] = s.preVis[k-1]+p.vis, s.preAll[k-1]+p.all
		}
		s.valid++
	}
	return s.preVis[i], s.preAll[i]
}

// touched records that chunk i changed length by dv visible, da total.
func (s *seq[T]) touched(c *chunk[T], dv, da int) {
	s.mod++
	c.vis += dv
	c.all += da
	s.vis += dv
	s.all += da
	if s.valid > c.idx+1 {
		s.valid = c.idx + 1
	}
}

// chunkAtVis returns the index of the chunk holding visible element pos
// (pos < s.vis).
func (s *seq[T]) chunkAtVis(pos int) int {
	for s.valid < len(s.chunks) {
		if last := s.valid - 1; last >= 0 && pos < s.preVis[last]+s.chunks[last].vis {
			break
		}
		s.prefix(s.valid)
	}
	lo, hi := 0, s.valid
	for lo < hi {
		m := (lo + hi) / 2
		if s.preVis[m]+s.chunks[m].vis > pos {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// findVis returns the run holding visible element pos and its offset.
func (s *seq[T]) findVis(pos int) (*run[T], int) {
	if c := &s.cur; c.mod == s.mod && c.r != nil && pos >= c.start && pos-c.start < c.r.vis() {
		return c.r, pos - c.start
	}
	k := s.chunkAtVis(pos)
	v, _ := s.prefix(k)
	rel := pos - v
	for j, r := range s.chunks[k].runs {
		if rv := r.vis(); rel < rv {
			s.cur = visCursor[T]{r: r, j: j, start: pos - rel, mod: s.mod}
			return r, rel
		} else {
			rel -= rv
		}
	}
	panic("crdt: sequence lengths inconsistent")
}

// indexOf returns the index of r within its chunk, trying the cursor's.
func (s *seq[T]) indexOf(r *run[T]) int {
	if c := &s.cur; c.r == r && c.j < len(r.ch.runs) && r.ch.runs[c.j] == r {
		return c.j
	}
	return runIndex(r)
}

// runIndex returns the index of r within its chunk.
func runIndex[T any](r *run[T]) int {
	for j, x := range r.ch.runs {
		if x == r {
			return j
		}
	}
	panic("crdt: run not in its chunk")
}

// posOf returns the visible and total position of element off of run r.
func (s *seq[T]) posOf(r *run[T], off int) (vis, all int) {
	vis, all = s.prefix(r.ch.idx)
	for _, x := range r.ch.runs {
		if x == r {
			break
		}
		vis += x.vis()
		all += x.n
	}
	if !r.deleted {
		vis += off
	}
	return vis, all + off
}

// next returns the run after r in sequence order, or nil.
func (s *seq[T]) next(r *run[T]) *run[T] {
	c := r.ch
	j := s.indexOf(r)
	if j+1 < len(c.runs) {
		return c.runs[j+1]
	}
	for k := c.idx + 1; k < len(s.chunks); k++ {
		if len(s.chunks[k].runs) > 0 {
			return s.chunks[k].runs[0]
		}
	}
	return nil
}

// first returns the first run, or nil.
func (s *seq[T]) first() *run[T] {
	for _, c := range s.chunks {
		if len(c.runs) > 0 {
			return c.runs[0]
		}
	}
	return nil
}

// split cuts r before element off (0 < off < r.n) and returns the new
// right part, placed after r in the same chunk.
func (s *seq[T]) split(r *run[T], off int) *run[T] {
	nr := &run[T]{
		id: r.id.add(off), left: r.id.add(off - 1), right: r.right,
		n: r.n - off, deleted: r.deleted, ch: r.ch,
	}
	if r.vals != nil {
		nr.vals = r.vals[off:]
		r.vals = r.vals[:off:off]
	}
	r.n = off
	s.insertRun(r.ch, runIndex(r)+1, nr)
	s.idx(nr.id.Actor).insertAfter(r, nr)
	return nr
}

// insertRun places r at index j of chunk c, splitting c when it is full.
// It does not update lengths or the ID index.
func (s *seq[T]) insertRun(c *chunk[T], j int, r *run[T]) {
	c.runs = append(c.runs, nil)
	copy(c.runs[j+1:], c.runs[j:])
	c.runs[j] = r
	r.ch = c
	if len(c.runs) > chunkMax {
		s.splitChunk(c)
	}
}

func (s *seq[T]) splitChunk(c *chunk[T]) {
	half := len(c.runs) / 2
	nc := &chunk[T]{runs: append(make([]*run[T], 0, chunkMax+1), c.runs[half:]...)}
	clear(c.runs[half:])
	c.runs = c.runs[:half]
	for _, r := range nc.runs {
		r.ch = nc
		nc.vis += r.vis()
		nc.all += r.n
	}
	c.vis -= nc.vis
	c.all -= nc.all
	s.insertChunk(c.idx+1, nc)
}

func (s *seq[T]) insertChunk(i int, c *chunk[T]) {
	s.chunks = append(s.chunks, nil)
	copy(s.chunks[i+1:], s.chunks[i:])
	s.chunks[i] = c
	for k := i; k < len(s.chunks); k++ {
		s.chunks[k].idx = k
	}
	s.preVis = append(s.preVis, 0)
	s.preAll = append(s.preAll, 0)
	if s.valid > i {
		s.valid = i
	}
}

func (s *seq[T]) removeChunk(i int) {
	copy(s.chunks[i:], s.chunks[i+1:])
	s.chunks[len(s.chunks)-1] = nil
	s.chunks = s.chunks[:len(s.chunks)-1]
	for k := i; k < len(s.chunks); k++ {
		s.chunks[k].idx = k
	}
	s.preVis = s.preVis[:len(s.chunks)]
	s.preAll = s.preAll[:len(s.chunks)]
	if s.valid > i {
		s.valid = i
	}
}

// place inserts a new run at index j of chunk c (c nil: at the end) and
// registers it in the lengths and the ID index.
func (s *seq[T]) place(c *chunk[T], j int, r *run[T]) {
	if c == nil {
		if len(s.chunks) == 0 || len(s.chunks[len(s.chunks)-1].runs) >= chunkMax {
			s.insertChunk(len(s.chunks), &chunk[T]{runs: make([]*run[T], 0, chunkMax+1)})
		}
		c = s.chunks[len(s.chunks)-1]
		j = len(c.runs)
	}
	s.touched(c, r.vis(), r.n)
	s.insertRun(c, j, r)
	s.idx(r.id.Actor).add(r)
}

// values returns the visible elements in order.
func (s *seq[T]) values() []T {
	out := make([]T, 0, s.vis)
	for _, c := range s.chunks {
		for _, r := range c.runs {
			if !r.deleted {
				out = append(out, r.vals...)
			}
		}
	}
	return out
}

// each calls f for every run in order.
func (s *seq[T]) each(f func(r *run[T])) {
	for _, c := range s.chunks {
		for _, r := range c.runs {
			f(r)
		}
	}
}
