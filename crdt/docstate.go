package crdt

// objKind is the kind of a nested object.
type objKind uint8

const (
	kindMap objKind = iota + 1
	kindList
	kindText
	kindCounter
)

// entry is a map field's last-writer-wins register: the winning write.
type entry struct {
	stamp Stamp
	del   bool // the winning write deleted the field
	obj   bool // the value is the object created by the write (ID of stamp)
	val   any  // scalar value when !obj
}

// objID returns the ID of the object an entry refers to.
func (e entry) objID() ID { return ID{e.stamp.Actor, e.stamp.Ctr} }

// object is a map, list, text or counter inside a document. Objects are
// never removed: an object that lost its field to a concurrent write may
// still receive operations, which must apply identically everywhere.
type object struct {
	kind   objKind
	parent ID     // the map holding the field that created it
	key    string // that field
	fields map[string]entry
	text   *seq[rune]
	list   *seq[any]
	count  int64
	path   []string // cached field names from the root (never changes)
}

func newObject(kind objKind, parent ID, key string) *object {
	o := &object{kind: kind, parent: parent, key: key}
	switch kind {
	case kindMap:
		o.fields = map[string]entry{}
	case kindList:
		o.list = newSeq[any]()
	case kindText:
		o.text = newSeq[rune]()
	}
	return o
}

type docKey struct{ coll, id string }

// docState is one document: its objects (the root map has the zero ID),
// its deletion tombstone and its creation stamp. The document exists when
// its latest operation is not a deletion (live is ordered after del).
// Root fields written at or before its latest creation (base) are hidden;
// a deletion hides none, so that a write ordered after a concurrent delete
// brings the whole document back (see the package doc).
type docState struct {
	key  docKey
	del  Stamp // latest OpDeleteDoc
	live Stamp // latest other operation
	base Stamp // latest OpCreateDoc (for a format 1 snapshot: its del)
	objs map[ID]*object
	// saved is the replica's step number when del, live and base were
	// last saved for undo, so that one step saves them once.
	saved uint64
}

func newDocState(k docKey) *docState {
	return &docState{key: k, objs: map[ID]*object{{}: newObject(kindMap, ID{}, "")}}
}

func (d *docState) exists() bool { return d.live.Compare(d.del) > 0 }

// visible reports whether field e of object parent shows.
func (d *docState) visible(parent ID, e entry) bool {
	return !e.del && (!parent.IsZero() || e.stamp.Compare(d.base) > 0)
}

// field returns the visible entry key of object parent.
func (d *docState) field(parent ID, key string) (entry, bool) {
	e, ok := d.objs[parent].fields[key]
	if !ok || !d.visible(parent, e) {
		return entry{}, false
	}
	return e, true
}

// path returns the field names leading to object id (shared: do not
// modify) and whether the object currently shows in the document.
func (d *docState) path(id ID) ([]string, bool) {
	o := d.objs[id]
	if o.path == nil && !id.IsZero() {
		pp, _ := d.path(o.parent)
		o.path = append(append(make([]string, 0, len(pp)+1), pp...), o.key)
	}
	vis := d.exists()
	for cur := id; vis && !cur.IsZero(); {
		x := d.objs[cur]
		e, ok := d.field(x.parent, x.key)
		if !ok || !e.obj || e.objID() != cur {
			vis = false
		}
		cur = x.parent
	}
	return o.path, vis
}

// value materializes the document as plain Go values.
func (d *docState) value() map[string]any {
	return d.mapValue(ID{})
}

func (d *docState) mapValue(id ID) map[string]any {
	o := d.objs[id]
	out := make(map[string]any, len(o.fields))
	for k, e := range o.fields {
		if d.visible(id, e) {
			out[k] = d.entryValue(e)
		}
	}
	return out
}

func (d *docState) entryValue(e entry) any {
	if !e.obj {
		return e.val
	}
	id := e.objID()
	o := d.objs[id]
	switch o.kind {
	case kindMap:
		return d.mapValue(id)
	case kindList:
		vals := o.list.values()
		for i, v := range vals {
			vals[i], _ = normAtomic(v, 0) // deep copy of an already valid value
		}
		return vals
	case kindText:
		return string(o.text.values())
	}
	return o.count
}
