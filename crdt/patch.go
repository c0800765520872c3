package crdt

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
	patch Patch
	docs  []*docState
	byKey map[docKey]int
	first [1]DocPatch
}

func (b *patchBuilder) reset() {
	b.patch = Patch{Docs: b.first[:0:1]}
	b.docs = b.docs[:0]
	b.byKey = nil
}

// doc returns the DocPatch for d, adding it on first touch.
func (b *patchBuilder) doc(d *docState) *DocPatch {
	n := len(b.docs)
	if n > 0 && b.docs[n-1] == d {
		return &b.patch.Docs[n-1]
	}
	if b.byKey == nil && n >= 8 {
		b.byKey = make(map[docKey]int, n)
		for i, x := range b.docs {
			b.byKey[x.key] = i
		}
	}
	if b.byKey != nil {
		if i, ok := b.byKey[d.key]; ok {
			return &b.patch.Docs[i]
		}
		b.byKey[d.key] = n
	} else {
		for i, x := range b.docs {
			if x == d {
				return &b.patch.Docs[i]
			}
		}
	}
	b.docs = append(b.docs, d)
	// One allocation holds the first field and splice of a document.
	blk := &struct {
		f [1]string
		s [1]Splice
	}{}
	b.patch.Docs = append(b.patch.Docs, DocPatch{Collection: d.key.coll, ID: d.key.id, Fields: blk.f[:0:1], Splices: blk.s[:0:1]})
	return &b.patch.Docs[n]
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
	s.Path = path
	p := b.doc(d)
	p.Splices = append(p.Splices, s)
}

// finish fills in Exists and returns the patch. The builder's inline
// first DocPatch is copied out, so the result never aliases the builder.
func (b *patchBuilder) finish() *Patch {
	for i, d := range b.docs {
		b.patch.Docs[i].Exists = d.exists()
	}
	blk := &struct {
		p Patch
		d [1]DocPatch
	}{}
	switch len(b.patch.Docs) {
	case 0:
	case 1:
		blk.d[0] = b.patch.Docs[0]
		blk.p.Docs = blk.d[:]
	default:
		blk.p.Docs = b.patch.Docs
	}
	b.reset()
	return &blk.p
}
