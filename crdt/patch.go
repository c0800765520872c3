package crdt

import "slices"

// Patch says what applying changes (or committing a transaction) did, so
// that queries and UI bindings can react without diffing whole documents.
// It lists each touched document once, in first-touch order.
type Patch struct {
	Docs []DocPatch
}

// DocPatch describes the changes to one document.
type DocPatch struct {
	Collection string
	ID         string
	// Exists says whether the document exists after the change.
	Exists bool
	// Reset says the document was deleted, created or replaced as a whole:
	// re-read it rather than relying on Fields and Splices.
	Reset bool
	// Fields lists the top-level fields whose value may have changed, in
	// first-touch order. A field changed at any depth is listed by its
	// top-level name.
	Fields []string
	// Splices lists edits of visible texts and lists, in the order they
	// happened; each position is relative to the state after the previous.
	Splices []Splice
}

// Splice is an edit of a text or list: at Index (in code points for text,
// elements for lists) Delete elements were removed, then Text or Values were
// inserted.
type Splice struct {
	Path   []string
	Index  int
	Delete int
	Text   string
	Values []any
}

// patchBuilder accumulates a Patch.
type patchBuilder struct {
	out   *Patch // allocated on first touch, together with its first DocPatch
	docs  []*docState
	byKey map[docKey]int
}

// patchBlock is one allocation holding a patch, its first document and
// that document's first field and splice: the common case of one edit.
type patchBlock struct {
	p Patch
	d [1]DocPatch
	f [1]string
	s [1]Splice
}

func (b *patchBuilder) reset() {
	// Drop the references, last first: a forward loop compiles to a bulk
	// clear, which goes through the bulk write barrier (see grow.go).
	for i := len(b.docs) - 1; i >= 0; i-- {
		b.docs[i] = nil
	}
	b.docs = b.docs[:0]
	if b.out != nil || b.byKey != nil { // each store costs a barrier
		b.out, b.byKey = nil, nil
	}
}

// doc returns the DocPatch for d, adding it on first touch.
func (b *patchBuilder) doc(d *docState) *DocPatch {
	n := len(b.docs)
	if n > 0 && b.docs[n-1] == d {
		return &b.out.Docs[n-1]
	}
	if i, ok := b.find(d); ok {
		return &b.out.Docs[i]
	}
	b.docs = append(b.docs, d)
	if b.out == nil {
		b.out = newPatch(d)
		return &b.out.Docs[0]
	}
	b.out.Docs = append(b.out.Docs, DocPatch{Collection: d.key.coll, ID: d.key.id})
	return &b.out.Docs[n]
}

// newPatch allocates a patch whose first document is d. The fields are set
// right after the allocation, where the compiler knows the new object needs
// no write barriers.
func newPatch(d *docState) *Patch {
	blk := &patchBlock{}
	dp := &blk.d[0]
	dp.Collection, dp.ID, dp.Fields, dp.Splices = d.key.coll, d.key.id, blk.f[:0:1], blk.s[:0:1]
	blk.p.Docs = blk.d[:1:1]
	return &blk.p
}

// find returns the index of d's DocPatch, if present.
func (b *patchBuilder) find(d *docState) (int, bool) {
	n := len(b.docs)
	if b.byKey == nil && n >= 8 {
		b.byKey = make(map[docKey]int, n)
		for i, x := range b.docs {
			b.byKey[x.key] = i
		}
	}
	if b.byKey != nil {
		i, ok := b.byKey[d.key]
		if !ok {
			b.byKey[d.key] = n
		}
		return i, ok
	}
	for i, x := range b.docs {
		if x == d {
			return i, true
		}
	}
	return 0, false
}

// reserve makes room in d's DocPatch for n more fields, as a whole
// document is written.
func (b *patchBuilder) reserve(d *docState, n int) {
	p := b.doc(d)
	p.Fields = slices.Grow(p.Fields, n)
}

// field records a change of top-level field key.
func (b *patchBuilder) field(d *docState, key string) {
	p := b.doc(d)
	for _, f := range p.Fields {
		if f == key {
			return
		}
	}
	p.Fields = append(p.Fields, key)
}

// splice records a visible sequence edit of the object at path.
func (b *patchBuilder) splice(d *docState, path []string, s Splice) {
	p := grow1(&b.doc(d).Splices) // zero: Splices is only appended to
	p.Path, p.Index, p.Delete, p.Text, p.Values = path, s.Index, s.Delete, s.Text, s.Values
}

// finish fills in Exists and returns the patch.
func (b *patchBuilder) finish() *Patch {
	p := b.out
	if p == nil {
		p = &Patch{}
	}
	for i, d := range b.docs {
		p.Docs[i].Exists = d.exists()
	}
	b.reset()
	return p
}
