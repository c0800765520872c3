package crdt

// undoKind says how to reverse one step of a change that failed halfway:
// a transaction whose function returned an error, or a remote change found
// invalid at one of its operations.
type undoKind uint8

const (
	undoDoc    undoKind = iota + 1 // restore del and live stamps
	undoNewDoc                     // remove a document created by the change
	undoField                      // restore a map entry
	undoObject                     // remove an object created by the change
	undoCount                      // subtract n from a counter
	undoInsert                     // physically remove inserted elements
	undoDelete                     // undelete elements
)

type undoEntry struct {
	kind      undoKind
	doc       *docState
	obj       *object
	id        ID
	key       string
	prev      entry
	had       bool
	n         int64
	del, live Stamp
}

// saveDoc records d's stamps for undo, once per step (transaction or
// remote change).
func (r *Replica) saveDoc(d *docState) {
	if d.saved == r.step {
		return
	}
	d.saved = r.step
	r.undo = append(r.undo, undoEntry{kind: undoDoc, doc: d, del: d.del, live: d.live})
}

// beginStep starts a transaction or remote change: a fresh undo log.
func (r *Replica) beginStep() {
	r.step++
	r.undo = r.undo[:0]
}

// rollback reverses r.undo, newest first, and clears it.
func (r *Replica) rollback() {
	r.shape++ // fields, documents and their stamps go back
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undoOne(&r.undo[i])
	}
	r.undo = r.undo[:0]
}

func (r *Replica) undoOne(u *undoEntry) {
	switch u.kind {
	case undoDoc:
		u.doc.del, u.doc.live = u.del, u.live
	case undoNewDoc:
		delete(r.docs, u.doc.key)
	case undoField:
		if u.had {
			u.obj.fields[u.key] = u.prev
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
