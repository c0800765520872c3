package crdt

// idSpan names n elements with consecutive IDs starting at id.
type idSpan struct {
	id ID
	n  int
}

// canExtend reports whether new elements id.. with the given right origin,
// inserted directly after the last element of r, may join r.
func (s *seq[T]) canExtend(r *run[T], id ID, right ID) bool {
	return !r.deleted && r.vals != nil && r.id.Actor == id.Actor &&
		r.id.Ctr+uint64(r.n) == id.Ctr && r.right == right
}

func (s *seq[T]) extend(r *run[T], vals []T) {
	r.vals = append(r.vals, vals...)
	r.n += len(vals)
	s.touched(r.ch, len(vals), len(vals))
	if s.cur.r == r { // r grew at its end: where it starts has not moved
		s.cur.mod = s.mod
	}
}

// localInsert inserts vals (IDs id, id+1, ...) before visible position pos
// (0 <= pos <= s.vis) and returns the origins to send to other replicas.
// It copies vals, so callers may pass a reused buffer.
func (s *seq[T]) localInsert(pos int, id ID, vals []T) (left, right ID) {
	var c *chunk[T]
	j := 0
	if pos == 0 {
		if f := s.first(); f != nil {
			right, c, j = f.id, f.ch, runIndex(f)
		}
	} else {
		r, off := s.findVis(pos - 1)
		left = r.id.add(off)
		if off < r.n-1 {
			right = s.split(r, off+1).id
		} else if nx := s.next(r); nx != nil {
			right = nx.id
		}
		if off == r.n-1 && s.canExtend(r, id, right) {
			s.extend(r, vals)
			return left, right
		}
		c, j = r.ch, s.indexOf(r)+1
	}
	own := append(make([]T, 0, len(vals)), vals...)
	nr := &run[T]{id: id, left: left, right: right, n: len(vals), vals: own}
	s.place(c, j, nr)
	s.cur = visCursor[T]{r: nr, j: j, start: pos, mod: s.mod}
	return left, right
}

// rawPos returns the total position of element id (which must exist).
func (s *seq[T]) rawPos(id ID) int {
	r := s.lookup(id)
	_, all := s.posOf(r, int(id.Ctr-r.id.Ctr))
	return all
}

// cutAfter splits the run holding id so that id ends a run, and returns it.
func (s *seq[T]) cutAfter(id ID) *run[T] {
	r := s.lookup(id)
	if off := int(id.Ctr - r.id.Ctr); off < r.n-1 {
		s.split(r, off+1)
	}
	return r
}

// cutBefore splits the run holding id so that id starts a run, and returns
// that run.
func (s *seq[T]) cutBefore(id ID) *run[T] {
	r := s.lookup(id)
	if off := int(id.Ctr - r.id.Ctr); off > 0 {
		r = s.split(r, off)
	}
	return r
}

// remoteInsert integrates elements inserted by another replica (their
// origins must exist) and returns the visible position they landed at.
func (s *seq[T]) remoteInsert(id, left, right ID, vals []T) int {
	leftPos, rightPos := -1, s.all
	var lr *run[T]
	if !left.IsZero() {
		lr = s.cutAfter(left)
		_, leftPos = s.posOf(lr, lr.n-1)
	}
	if !right.IsZero() {
		_, rightPos = s.posOf(s.cutBefore(right), 0)
	}
	start := s.first()
	if lr != nil {
		start = s.next(lr)
	}
	dest := s.scan(start, leftPos, rightPos, id)
	if dest == start && lr != nil && s.canExtend(lr, id, right) {
		at := lr.n
		s.extend(lr, vals)
		v, _ := s.posOf(lr, at)
		return v
	}
	nr := &run[T]{id: id, left: left, right: right, n: len(vals), vals: vals}
	if dest == nil {
		s.place(nil, 0, nr)
	} else {
		s.place(dest.ch, runIndex(dest), nr)
	}
	v, _ := s.posOf(nr, 0)
	return v
}

// scan runs the YjsMod integration loop over the runs from o on (each run
// begins with the only element that can stop the scan) and returns the run
// to insert before, or nil for the end.
func (s *seq[T]) scan(o *run[T], leftPos, rightPos int, id ID) *run[T] {
	dest, scanning := o, false
	for i := leftPos + 1; o != nil; o = s.next(o) {
		if !scanning {
			dest = o
		}
		if i == rightPos {
			return dest
		}
		oleft := -1
		if !o.left.IsZero() {
			oleft = s.rawPos(o.left)
		}
		if oleft < leftPos {
			return dest
		}
		if oleft == leftPos {
			oright := s.all
			if !o.right.IsZero() {
				oright = s.rawPos(o.right)
			}
			switch {
			case oright < rightPos:
				scanning = true
			case oright == rightPos && id.Actor < o.id.Actor:
				return dest
			default:
				scanning = false
			}
		}
		i += o.n
	}
	if !scanning {
		return nil
	}
	return dest
}

// localDelete deletes n visible elements from pos on and returns their IDs,
// in a slice that the next call reuses.
func (s *seq[T]) localDelete(pos, n int) []idSpan {
	spans := s.spans[:0]
	for n > 0 {
		r, off := s.findVis(pos)
		if off > 0 {
			r = s.split(r, off)
		}
		if r.n > n {
			s.split(r, n)
		}
		r.deleted = true
		s.touched(r.ch, -r.n, 0)
		if k := len(spans) - 1; k >= 0 && spans[k].id.add(spans[k].n) == r.id {
			spans[k].n += r.n
		} else {
			spans = append(spans, idSpan{r.id, r.n})
		}
		n -= r.n
	}
	s.spans = spans
	return spans
}

// covered reports whether every element id .. id+n-1 exists.
func (s *seq[T]) covered(id ID, n uint64) bool {
	for n > 0 {
		r := s.lookup(id)
		if r == nil {
			return false
		}
		k := r.id.Ctr + uint64(r.n) - id.Ctr
		k = min(k, n)
		id.Ctr += k
		n -= k
	}
	return true
}

// isolate splits runs so that id .. id+n-1 starts a run of at most n
// elements, and returns it.
func (s *seq[T]) isolate(id ID, n int) *run[T] {
	r := s.cutBefore(id)
	if r.n > n {
		s.split(r, n)
	}
	return r
}

// remoteDelete deletes elements id .. id+n-1 (which must exist); emit is
// called with the visible position and count of every newly deleted piece.
func (s *seq[T]) remoteDelete(id ID, n int, emit func(at ID, pos, count int)) {
	for n > 0 {
		r := s.isolate(id, n)
		if !r.deleted {
			v, _ := s.posOf(r, 0)
			r.deleted = true
			s.touched(r.ch, -r.n, 0)
			emit(r.id, v, r.n)
		}
		id = id.add(r.n)
		n -= r.n
	}
}

// undelete reverses a localDelete of the given elements.
func (s *seq[T]) undelete(id ID, n int) {
	for n > 0 {
		r := s.isolate(id, n)
		if r.deleted {
			r.deleted = false
			s.touched(r.ch, r.n, 0)
		}
		id = id.add(r.n)
		n -= r.n
	}
}

// remove physically removes elements id .. id+n-1, reversing an insertion.
func (s *seq[T]) remove(id ID, n int) {
	for n > 0 {
		r := s.isolate(id, n)
		c := r.ch
		j := runIndex(r)
		copy(c.runs[j:], c.runs[j+1:])
		c.runs[len(c.runs)-1] = nil
		c.runs = c.runs[:len(c.runs)-1]
		s.touched(c, -r.vis(), -r.n)
		s.idx(r.id.Actor).remove(r)
		if len(c.runs) == 0 {
			s.removeChunk(c.idx)
		}
		id = id.add(r.n)
		n -= r.n
	}
}
