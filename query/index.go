package query

import (
	"slices"
	"sort"
	"strings"
)

// Bound is one end of a Range.
type Bound struct {
	Value     any
	Inclusive bool
}

// Range is an interval of index keys in the order of Compare. A nil end is
// unbounded (a nil Lo includes Missing).
type Range struct {
	Lo, Hi *Bound
}

// belowLo reports whether k lies before the range's lower end.
func (r Range) belowLo(k any) bool {
	if r.Lo == nil {
		return false
	}
	c := Compare(k, r.Lo.Value)
	return c < 0 || (c == 0 && !r.Lo.Inclusive)
}

// aboveHi reports whether k lies after the range's upper end.
func (r Range) aboveHi(k any) bool {
	if r.Hi == nil {
		return false
	}
	c := Compare(k, r.Hi.Value)
	return c > 0 || (c == 0 && !r.Hi.Inclusive)
}

// ientry is one (key, id) pair of an index.
type ientry struct {
	key any
	id  string
}

func cmpIentry(a, b ientry) int {
	if c := Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// chunkMax is the size at which a chunk splits. Chunks keep inserts and
// deletes at O(log n + chunkMax) instead of the O(n) of one sorted slice.
const chunkMax = 512

// index is a sorted multiset of (key, id) pairs stored as a list of sorted
// chunks: a two-level B-tree without the code of one. Writes queue their
// edits in pending, applied in order before the next read (settle), so that
// a commit's subscribers are told of it before its index edits are done:
// most commits' live queries never read an index.
type index struct {
	path    []string
	chunks  [][]ientry
	pending []indexEdit
}

// indexEdit is a queued insert, or removal, of one entry.
type indexEdit struct {
	e      ientry
	insert bool
}

// maxPendingEdits bounds the queue, so a bulk write without reads does not
// hold its edits twice over.
const maxPendingEdits = 1024

// queue adds an edit, applying the queue once it is full.
func (x *index) queue(e ientry, insert bool) {
	x.pending = append(x.pending, indexEdit{e, insert})
	if len(x.pending) >= maxPendingEdits {
		x.settle()
	}
}

// settle applies the queued edits.
func (x *index) settle() {
	for _, ed := range x.pending {
		if ed.insert {
			x.insert(ed.e)
		} else {
			x.remove(ed.e)
		}
	}
	clear(x.pending) // drop the keys and ids it held
	x.pending = x.pending[:0]
}

// chunkFor returns the chunk where e belongs: the first whose last entry is
// not before e, or the last chunk.
func (x *index) chunkFor(e ientry) int {
	i := sort.Search(len(x.chunks), func(i int) bool {
		c := x.chunks[i]
		return cmpIentry(c[len(c)-1], e) >= 0
	})
	return min(i, len(x.chunks)-1)
}

func (x *index) insert(e ientry) {
	if len(x.chunks) == 0 {
		x.chunks = [][]ientry{{e}}
		return
	}
	ci := x.chunkFor(e)
	c := x.chunks[ci]
	i, _ := slices.BinarySearchFunc(c, e, cmpIentry)
	c = slices.Insert(c, i, e)
	if len(c) <= chunkMax {
		x.chunks[ci] = c
		return
	}
	h := len(c) / 2
	x.chunks[ci] = c[:h:h]
	x.chunks = slices.Insert(x.chunks, ci+1, slices.Clone(c[h:]))
}

func (x *index) remove(e ientry) {
	if len(x.chunks) == 0 {
		return
	}
	ci := x.chunkFor(e)
	c := x.chunks[ci]
	i, found := slices.BinarySearchFunc(c, e, cmpIentry)
	if !found {
		return
	}
	c = slices.Delete(c, i, i+1)
	if len(c) == 0 {
		x.chunks = slices.Delete(x.chunks, ci, ci+1)
		return
	}
	x.chunks[ci] = c
}

// build replaces the contents with es, sorting them once.
func (x *index) build(es []ientry) {
	slices.SortFunc(es, cmpIentry)
	x.chunks = nil
	for len(es) > 0 {
		n := min(len(es), chunkMax/2)
		x.chunks = append(x.chunks, slices.Clone(es[:n]))
		es = es[n:]
	}
}

// ascend calls fn for the entries within r in ascending order until fn
// returns false; it reports whether it ran to the end.
func (x *index) ascend(r Range, fn func(ientry) bool) bool {
	x.settle()
	ci := sort.Search(len(x.chunks), func(i int) bool {
		c := x.chunks[i]
		return !r.belowLo(c[len(c)-1].key)
	})
	for ; ci < len(x.chunks); ci++ {
		c := x.chunks[ci]
		i := sort.Search(len(c), func(i int) bool { return !r.belowLo(c[i].key) })
		for ; i < len(c); i++ {
			if r.aboveHi(c[i].key) || !fn(c[i]) {
				return false
			}
		}
	}
	return true
}

// descend is ascend in descending order.
func (x *index) descend(r Range, fn func(ientry) bool) bool {
	x.settle()
	ci := sort.Search(len(x.chunks), func(i int) bool {
		return r.aboveHi(x.chunks[i][0].key)
	}) - 1
	for ; ci >= 0; ci-- {
		c := x.chunks[ci]
		i := sort.Search(len(c), func(i int) bool { return r.aboveHi(c[i].key) }) - 1
		for ; i >= 0; i-- {
			if r.belowLo(c[i].key) || !fn(c[i]) {
				return false
			}
		}
	}
	return true
}

// len returns the number of entries.
func (x *index) len() int {
	x.settle()
	n := 0
	for _, c := range x.chunks {
		n += len(c)
	}
	return n
}
