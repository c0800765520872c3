package crdt

import "fmt"

// seqTarget is the object a Tx method edits: its document, ID and state.
// shown says the object is known to show in the document (it was reached
// through visible fields of an existing document), so that recording a
// splice needs no walk back to the root to find out.
type seqTarget struct {
	d     *docState
	obj   ID
	o     *object
	shown bool
}

// targetCache remembers the object the last text, list or counter method
// of a Tx addressed. Typing makes one transaction per keystroke on the
// same text, and each would otherwise validate the collection, id and
// path as UTF-8, hash them into the document map, walk the path's fields
// and look the object up again. An entry holds while r.shape is
// unchanged: shape counts every write that can change what a path leads
// to or whether a document exists (map field writes, document deletes,
// undo, LoadDoc); text, list and counter edits change neither.
type targetCache struct {
	shape    uint64
	coll, id string
	path     []string // a copy: the caller may reuse its slice
	kind     objKind
	t        seqTarget // t.d is nil when empty
}

// get returns the cached target if it is the one asked for and still
// valid. Comparing the strings is cheap: a caller that repeats a call
// passes the same strings, whose bytes compare by pointer.
func (c *targetCache) get(shape uint64, coll, id string, path []string, k objKind) (seqTarget, bool) {
	if c.t.d == nil || c.shape != shape || c.kind != k || c.coll != coll || c.id != id || len(c.path) != len(path) {
		return seqTarget{}, false
	}
	for i, p := range path {
		if c.path[i] != p {
			return seqTarget{}, false
		}
	}
	return c.t, true
}

func (c *targetCache) put(shape uint64, coll, id string, path []string, k objKind, t seqTarget) {
	c.shape, c.coll, c.id, c.kind, c.t = shape, coll, id, k, t
	c.path = append(c.path[:0], path...)
}

// target returns the object stored at path, which must be of kind k.
func (tx *Tx) target(coll, id string, path []string, k objKind) (seqTarget, error) {
	r := tx.r
	if t, ok := r.lastTarget.get(r.shape, coll, id, path, k); ok && !tx.done {
		return t, nil
	}
	t, err := tx.lookup(coll, id, path, k)
	if err != nil {
		return seqTarget{}, err
	}
	t.o.path, t.shown = t.d.path(t.obj) // shown: lookup went through visible fields
	r.lastTarget.put(r.shape, coll, id, path, k, t)
	return t, nil
}

// lookup resolves path in document coll/id to an object of kind k.
func (tx *Tx) lookup(coll, id string, path []string, k objKind) (seqTarget, error) {
	if err := checkPath(path); err != nil {
		return seqTarget{}, err
	}
	d, err := tx.doc(coll, id, false)
	if err != nil {
		return seqTarget{}, err
	}
	parent, err := tx.resolve(d, path[:len(path)-1], false)
	if err != nil {
		return seqTarget{}, err
	}
	e, ok := d.field(parent, path[len(path)-1])
	if !ok {
		return seqTarget{}, fmt.Errorf("%w: field %v of %s/%s", ErrNotFound, path, coll, id)
	}
	if !e.obj || d.objs[e.objID()].kind != k {
		return seqTarget{}, fmt.Errorf("%w: field %v of %s/%s", ErrWrongType, path, coll, id)
	}
	return seqTarget{d: d, obj: e.objID(), o: d.objs[e.objID()]}, nil
}
