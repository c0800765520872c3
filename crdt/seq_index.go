package crdt

// idIndex finds the run holding an element by ID. It keeps one actor's runs
// of one sequence sorted by counter, in blocks of bounded size, so that
// splitting a run costs a short copy rather than a copy of the whole index.
type idIndex[T any] struct {
	blocks [][]*run[T]
}

const idBlockMax = 128

// idx returns actor a's index, created if missing.
func (s *seq[T]) idx(a ActorID) *idIndex[T] {
	if x := s.lastIdx; x != nil && s.lastActor == a {
		return x
	}
	x := s.index[a]
	if x == nil {
		x = &idIndex[T]{}
		s.index[a] = x
	}
	s.lastActor, s.lastIdx = a, x
	return x
}

// lookup returns the run holding element id, or nil.
func (s *seq[T]) lookup(id ID) *run[T] {
	x := s.lastIdx
	if x == nil || s.lastActor != id.Actor {
		if x = s.index[id.Actor]; x == nil {
			return nil
		}
		s.lastActor, s.lastIdx = id.Actor, x
	}
	b, i := x.locate(id.Ctr)
	if b < 0 {
		return nil
	}
	if r := x.blocks[b][i]; r.contains(id) {
		return r
	}
	return nil
}

// locate returns the block and index of the run with the greatest start
// counter not above ctr, or -1, -1.
func (x *idIndex[T]) locate(ctr uint64) (int, int) {
	lo, hi := 0, len(x.blocks)
	for lo < hi {
		m := (lo + hi) / 2
		if x.blocks[m][0].id.Ctr <= ctr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	b := lo - 1
	if b < 0 {
		return -1, -1
	}
	blk := x.blocks[b]
	lo, hi = 0, len(blk)
	for lo < hi {
		m := (lo + hi) / 2
		if blk[m].id.Ctr <= ctr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return b, lo - 1
}

// add indexes a new run.
func (x *idIndex[T]) add(r *run[T]) {
	n := len(x.blocks)
	if n > 0 {
		last := x.blocks[n-1]
		if last[len(last)-1].id.Ctr < r.id.Ctr {
			if len(last) < idBlockMax/2 {
				x.blocks[n-1] = append(last, r)
			} else {
				x.blocks = append(x.blocks, append(make([]*run[T], 0, idBlockMax/2), r))
			}
			return
		}
	}
	b, i := x.locate(r.id.Ctr)
	if b < 0 {
		if n == 0 {
			x.blocks = append(x.blocks, []*run[T]{r})
			return
		}
		b, i = 0, -1
	}
	x.insertAt(b, i+1, r)
}

// insertAfter indexes nr, split off the end of r.
func (x *idIndex[T]) insertAfter(r, nr *run[T]) {
	b, i := x.locate(r.id.Ctr)
	x.insertAt(b, i+1, nr)
}

func (x *idIndex[T]) insertAt(b, i int, r *run[T]) {
	blk := append(x.blocks[b], nil)
	copy(blk[i+1:], blk[i:])
	blk[i] = r
	x.blocks[b] = blk
	if len(blk) > idBlockMax {
		half := len(blk) / 2
		tail := append([]*run[T](nil), blk[half:]...)
		clear(blk[half:])
		x.blocks[b] = blk[:half]
		x.blocks = append(x.blocks, nil)
		copy(x.blocks[b+2:], x.blocks[b+1:])
		x.blocks[b+1] = tail
	}
}

// remove unindexes r.
func (x *idIndex[T]) remove(r *run[T]) {
	b, i := x.locate(r.id.Ctr)
	blk := x.blocks[b]
	copy(blk[i:], blk[i+1:])
	blk[len(blk)-1] = nil
	x.blocks[b] = blk[:len(blk)-1]
	if len(x.blocks[b]) == 0 {
		copy(x.blocks[b:], x.blocks[b+1:])
		x.blocks[len(x.blocks)-1] = nil
		x.blocks = x.blocks[:len(x.blocks)-1]
	}
}
