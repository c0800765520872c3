package crdt

// undoKind says how to reverse one step of a change that failed halfway:
// a transaction whose function returned an error, or a remote change found
// invalid at one of its operations.
type undoKind uint8

const (
	undoDoc    undoKind = iota + 1 // restore del, live and base stamps
	undoNewDoc                     // remove a document created by the change
	undoField                      // restore a map entry
	undoObject                     // remove an object created by the change
	undoCount                      // subtract n from a counter
	undoInsert                     // physically remove inserted elements
	undoDelete                     // undelete elements
)

// undoEntry is one step to reverse. It is kept small, because every edit
// appends one: the stamps of undoDoc and the previous entry of undoField,
// which would triple its size, live in undoLog's side slices, at index n.
type undoEntry struct {
	kind undoKind
	had  bool // undoField: the field existed
	doc  *docState
	obj  *object
	id   ID
	key  string
	n    int64 // counter delta, element count, or side slice index
}

// undoLog is the undo record of the step in progress.
type undoLog struct {
	steps  []undoEntry
	stamps []Stamp // undoDoc: del, live and base, in threes
	fields []entry // undoField: the previous entry
}

// add appends e, field by field (see grow.go). The slot may hold an entry
// of an earlier step; its pointer fields are stored only where they
// differ, as each store costs a write barrier while the collector marks
// and typing repeats the same document, object and actor step after step.
func (u *undoLog) add(e undoEntry) {
	s := grow1(&u.steps)
	s.kind, s.had, s.id.Ctr, s.n = e.kind, e.had, e.id.Ctr, e.n
	if s.doc != e.doc {
		s.doc = e.doc
	}
	if s.obj != e.obj {
		s.obj = e.obj
	}
	if s.id.Actor != e.id.Actor {
		s.id.Actor = e.id.Actor
	}
	if s.key != e.key {
		s.key = e.key
	}
}

// addField records the previous state of field key of o.
func (u *undoLog) addField(o *object, key string, prev entry, had bool) {
	u.add(undoEntry{kind: undoField, obj: o, key: key, had: had, n: int64(len(u.fields))})
	u.fields = append(u.fields, prev)
}

// reset empties the log, keeping its memory.
func (u *undoLog) reset() {
	u.steps, u.stamps, u.fields = u.steps[:0], u.stamps[:0], u.fields[:0]
}

// saveDoc records d's stamps for undo, once per step (transaction or
// remote change).
func (r *Replica) saveDoc(d *docState) {
	if d.saved == r.step {
		return
	}
	d.saved = r.step
	u := &r.undo
	u.add(undoEntry{kind: undoDoc, doc: d, n: int64(len(u.stamps))})
	setStamp(grow1(&u.stamps), d.del)
	setStamp(grow1(&u.stamps), d.live)
	setStamp(grow1(&u.stamps), d.base)
}

// beginStep starts a transaction or remote change: a fresh undo log.
func (r *Replica) beginStep() {
	r.step++
	r.undo.reset()
}

// rollback reverses the undo log, newest first, and clears it.
func (r *Replica) rollback() {
	r.shape++ // fields, documents and their stamps go back
	for i := len(r.undo.steps) - 1; i >= 0; i-- {
		r.undoOne(&r.undo.steps[i])
	}
	r.undo.reset()
}

func (r *Replica) undoOne(u *undoEntry) {
	switch u.kind {
	case undoDoc:
		u.doc.del, u.doc.live, u.doc.base = r.undo.stamps[u.n], r.undo.stamps[u.n+1], r.undo.stamps[u.n+2]
	case undoNewDoc:
		delete(r.docs, u.doc.key)
	case undoField:
		if u.had {
			u.obj.fields[u.key] = r.undo.fields[u.n]
		} else {
			delete(u.obj.fields, u.key)
		}
	case undoObject:
		delete(u.doc.objs, u.id)
	case undoCount:
		u.obj.count -= u.n
	case undoInsert:
		if u.obj.kind == kindText {
			u.obj.text.remove(u.id, int(u.n))
		} else {
			u.obj.list.remove(u.id, int(u.n))
		}
	case undoDelete:
		if u.obj.kind == kindText {
			u.obj.text.undelete(u.id, int(u.n))
		} else {
			u.obj.list.undelete(u.id, int(u.n))
		}
	}
}
