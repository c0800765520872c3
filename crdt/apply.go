package crdt

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Operation application shared by local transactions and remote changes.
// Every step records how to undo it in r.undo and what it changed in r.pb;
// every operation validates before it mutates, so a failing operation
// leaves the state as the previous one left it.

// docFor returns the document, creating an empty one if it is missing.
func (r *Replica) docFor(coll, id string) *docState {
	k := docKey{coll, id}
	d := r.docs[k]
	if d == nil {
		d = newDocState(k)
		r.docs[k] = d
		r.undo.add(undoEntry{kind: undoNewDoc, doc: d})
	}
	return d
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidChange}, args...)...)
}

// applyOp applies a remote-style operation with ID id and stamp st.
func (r *Replica) applyOp(d *docState, op *Op, id ID, st Stamp) error {
	r.saveDoc(d)
	var err error
	switch op.Kind {
	case OpSet, OpMakeMap, OpMakeList, OpMakeText, OpMakeCounter, OpDelField:
		err = r.applyField(d, op, id, st)
	case OpIncrement:
		err = r.applyIncrement(d, op)
	case OpInsertText, OpInsertList:
		err = r.applyInsert(d, op, id)
	case OpDelete:
		err = r.applyDelete(d, op)
	case OpDeleteDoc:
		if st.Compare(d.del) > 0 {
			d.del = st
			r.shape++
		}
		r.pb.doc(d).Reset = true
		return nil
	case OpCreateDoc:
		if st.Compare(d.base) > 0 {
			d.base = st
			r.shape++
		}
		r.pb.doc(d).Reset = true
	default:
		err = invalidf("unknown operation kind %d", op.Kind)
	}
	// The live stamp of an operation is that of its last counter, so that
	// a run of typing merged into one operation bumps it identically.
	if st.Ctr += op.width() - 1; err == nil && st.Compare(d.live) > 0 {
		r.setLive(d, st)
	}
	return err
}

// setLive raises d's live stamp to st. A write ordered after a concurrent
// delete brings back the whole document, not just the field it wrote, so
// the patch says to re-read it.
func (r *Replica) setLive(d *docState, st Stamp) {
	if !d.exists() && st.Compare(d.del) > 0 {
		r.pb.doc(d).Reset = true
		r.shape++
	}
	d.live = st
}

// rootKey returns the top-level field under which field key of obj lives.
func (d *docState) rootKey(obj ID, key string) string {
	if obj.IsZero() {
		return key
	}
	p, _ := d.path(obj)
	return p[0]
}

func makeKind(k OpKind) objKind {
	switch k {
	case OpMakeMap:
		return kindMap
	case OpMakeList:
		return kindList
	case OpMakeText:
		return kindText
	}
	return kindCounter
}

func (r *Replica) applyField(d *docState, op *Op, id ID, st Stamp) error {
	o := d.objs[op.Obj]
	if o == nil || o.kind != kindMap {
		return invalidf("%v is not a map", op.Obj)
	}
	e := entry{stamp: st}
	switch op.Kind {
	case OpSet:
		v, ok, err := normScalar(op.Value)
		if !ok || err != nil {
			return invalidf("bad value %T: %v", op.Value, err)
		}
		e.val = v
	case OpDelField:
		e.del = true
	default:
		if d.objs[id] != nil {
			return invalidf("object %v exists", id)
		}
		n := newObject(makeKind(op.Kind), op.Obj, op.Key)
		n.count = op.Delta
		d.objs[id] = n
		r.undo.add(undoEntry{kind: undoObject, doc: d, id: id})
		e.obj = true
	}
	prev, had := o.fields[op.Key]
	if had && prev.stamp.Compare(st) >= 0 {
		return nil
	}
	r.undo.addField(o, op.Key, prev, had)
	o.fields[op.Key] = e
	r.shape++
	r.pb.field(d, d.rootKey(op.Obj, op.Key))
	return nil
}

func (r *Replica) applyIncrement(d *docState, op *Op) error {
	o := d.objs[op.Obj]
	if o == nil || o.kind != kindCounter {
		return invalidf("%v is not a counter", op.Obj)
	}
	o.count += op.Delta
	r.undo.add(undoEntry{kind: undoCount, obj: o, n: op.Delta})
	r.pb.field(d, d.rootKey(o.parent, o.key))
	return nil
}

// seqObject returns the text (or list) object obj.
func seqObject(d *docState, obj ID, text bool) (*object, error) {
	o := d.objs[obj]
	if o == nil || (text && o.kind != kindText) || (!text && o.kind != kindList) {
		return nil, invalidf("%v is not a %s", obj, map[bool]string{true: "text", false: "list"}[text])
	}
	return o, nil
}

func (r *Replica) applyInsert(d *docState, op *Op, id ID) error {
	text := op.Kind == OpInsertText
	o, err := seqObject(d, op.Obj, text)
	if err != nil {
		return err
	}
	var pos int
	sp := Splice{Text: op.Text}
	if text {
		if op.Text == "" || !utf8.ValidString(op.Text) {
			return invalidf("empty or invalid text insert")
		}
		pos, err = insertRemote(o.text, op, id, []rune(op.Text))
	} else {
		vals, verr := normValues(op.Values)
		if verr != nil {
			return invalidf("list insert: %v", verr)
		}
		sp.Values = vals
		pos, err = insertRemote(o.list, op, id, vals)
	}
	if err != nil {
		return err
	}
	r.undo.add(undoEntry{kind: undoInsert, obj: o, id: id, n: int64(op.width())})
	sp.Index = pos
	r.seqPatch(d, o, op.Obj, sp)
	return nil
}

func normValues(in []any) ([]any, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: no values", ErrInvalidArgument)
	}
	out := make([]any, len(in))
	for i, v := range in {
		n, err := normAtomic(v, 0)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func insertRemote[T any](s *seq[T], op *Op, id ID, vals []T) (int, error) {
	if (!op.Ref.IsZero() && s.lookup(op.Ref) == nil) || (!op.Right.IsZero() && s.lookup(op.Right) == nil) {
		return 0, invalidf("insert origin missing")
	}
	return s.remoteInsert(id, op.Ref, op.Right, vals), nil
}

// seqPatch records a splice of object o (id obj) if it is visible, and
// the top-level field holding it.
func (r *Replica) seqPatch(d *docState, o *object, obj ID, s Splice) {
	path, vis := d.path(obj)
	r.pb.field(d, path[0])
	if vis {
		r.pb.splice(d, path, s)
	}
}

func (r *Replica) applyDelete(d *docState, op *Op) error {
	o := d.objs[op.Obj]
	if o == nil || (o.kind != kindText && o.kind != kindList) {
		return invalidf("%v is not a list or text", op.Obj)
	}
	if op.N == 0 || op.N > math.MaxInt32 {
		return invalidf("delete of %d elements", op.N)
	}
	emit := func(at ID, pos, n int) {
		r.undo.add(undoEntry{kind: undoDelete, obj: o, id: at, n: int64(n)})
		r.seqPatch(d, o, op.Obj, Splice{Index: pos, Delete: n})
	}
	if o.kind == kindText {
		if !o.text.covered(op.Ref, op.N) {
			return invalidf("delete of missing elements")
		}
		o.text.remoteDelete(op.Ref, int(op.N), emit)
	} else {
		if !o.list.covered(op.Ref, op.N) {
			return invalidf("delete of missing elements")
		}
		o.list.remoteDelete(op.Ref, int(op.N), emit)
	}
	return nil
}
