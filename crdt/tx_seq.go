package crdt

import (
	"fmt"
	"unicode/utf8"
)

// InsertText inserts s into the text at path before code point pos.
func (tx *Tx) InsertText(coll, id string, path []string, pos int, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalidArgument)
	}
	t, err := tx.target(coll, id, path, kindText)
	if err != nil || s == "" {
		return err
	}
	return tx.insertText(t, pos, s)
}

// DeleteText deletes n code points of the text at path from pos on.
func (tx *Tx) DeleteText(coll, id string, path []string, pos, n int) error {
	t, err := tx.target(coll, id, path, kindText)
	if err != nil {
		return err
	}
	return tx.deleteSeq(t, pos, n)
}

// InsertList inserts values into the list at path before element pos.
// Values are scalars or atomic map[string]any / []any values.
func (tx *Tx) InsertList(coll, id string, path []string, pos int, values ...any) error {
	t, err := tx.target(coll, id, path, kindList)
	if err != nil || len(values) == 0 {
		return err
	}
	return tx.insertList(t, pos, values)
}

// DeleteList deletes n elements of the list at path from pos on.
func (tx *Tx) DeleteList(coll, id string, path []string, pos, n int) error {
	t, err := tx.target(coll, id, path, kindList)
	if err != nil {
		return err
	}
	return tx.deleteSeq(t, pos, n)
}

// touch records that the next operation, of width w, writes d.
func (tx *Tx) touch(d *docState, w int) {
	tx.r.saveDoc(d)
	st := tx.stamp()
	st.Ctr += uint64(w) - 1 // see applyOp
	if st.Compare(d.live) > 0 {
		setStamp(&d.live, st)
	}
}

func (tx *Tx) insertText(t seqTarget, pos int, s string) error {
	o := t.o
	if pos < 0 || pos > o.text.vis {
		return fmt.Errorf("%w: insert at %d of %d", ErrOutOfRange, pos, o.text.vis)
	}
	var buf [32]rune // typing inserts a few characters at a time
	runes := buf[:0]
	for _, r := range s {
		runes = append(runes, r)
	}
	tx.touch(t.d, len(runes))
	id := ID{tx.c.Actor, tx.ctr}
	left, right := o.text.localInsert(pos, id, runes)
	op := Op{Kind: OpInsertText, Obj: t.obj, Ref: left, Right: right, Text: s}
	tx.addInsert(t, &op, id, Splice{Index: pos, Text: s})
	return nil
}

func (tx *Tx) insertList(t seqTarget, pos int, values []any) error {
	o := t.o
	if pos < 0 || pos > o.list.vis {
		return fmt.Errorf("%w: insert at %d of %d", ErrOutOfRange, pos, o.list.vis)
	}
	vals, err := normValues(values)
	if err != nil {
		return err
	}
	tx.touch(t.d, len(vals))
	id := ID{tx.c.Actor, tx.ctr}
	left, right := o.list.localInsert(pos, id, vals)
	op := Op{Kind: OpInsertList, Obj: t.obj, Ref: left, Right: right, Values: vals}
	tx.addInsert(t, &op, id, Splice{Index: pos, Values: vals})
	return nil
}

// splice records a visible edit of t in the patch. A target known to show
// skips seqPatch's walk to the root.
func (tx *Tx) splice(t seqTarget, sp Splice) {
	if !t.shown {
		tx.r.seqPatch(t.d, t.o, t.obj, sp)
		return
	}
	tx.r.pb.field(t.d, t.o.path[0])
	tx.r.pb.splice(t.d, t.o.path, sp)
}

// addInsert records an applied local insertion, merging it into the
// previous operation when it continues it (typing).
func (tx *Tx) addInsert(t seqTarget, op *Op, id ID, sp Splice) {
	w := op.width()
	tx.r.undo.add(undoEntry{kind: undoInsert, obj: t.o, id: id, n: int64(w)})
	tx.splice(t, sp)
	tx.ctr += w
	op.Coll, op.Doc = t.d.key.coll, t.d.key.id
	prevEnd := tx.lastInsEnd
	tx.lastInsEnd = id.Ctr + w
	if n := len(tx.c.Ops); n > 0 {
		p := &tx.c.Ops[n-1]
		if p.Kind == op.Kind && p.Coll == op.Coll && p.Doc == op.Doc && p.Obj == op.Obj &&
			p.Right == op.Right && op.Ref == id.add(-1) && prevEnd == id.Ctr {
			p.Text += op.Text
			p.Values = append(p.Values, op.Values...)
			return
		}
	}
	p := tx.nextOp()
	p.Kind, p.Coll, p.Doc, p.Obj, p.Ref, p.Right = op.Kind, op.Coll, op.Doc, op.Obj, op.Ref, op.Right
	p.Text, p.Values = op.Text, op.Values
}

func (tx *Tx) deleteSeq(t seqTarget, pos, n int) error {
	d, o, obj := t.d, t.o, t.obj
	vis := 0
	if o.kind == kindText {
		vis = o.text.vis
	} else {
		vis = o.list.vis
	}
	if pos < 0 || n < 0 || pos > vis || n > vis-pos {
		return fmt.Errorf("%w: delete %d at %d of %d", ErrOutOfRange, n, pos, vis)
	}
	if n == 0 {
		return nil
	}
	var spans []idSpan
	if o.kind == kindText {
		spans = o.text.localDelete(pos, n)
	} else {
		spans = o.list.localDelete(pos, n)
	}
	for _, sp := range spans {
		tx.touch(d, 1)
		tx.r.undo.add(undoEntry{kind: undoDelete, obj: o, id: sp.id, n: int64(sp.n)})
		p := tx.nextOp()
		p.Kind, p.Coll, p.Doc, p.Obj, p.Ref, p.N = OpDelete, d.key.coll, d.key.id, obj, sp.id, uint64(sp.n)
		tx.ctr++
	}
	tx.splice(t, Splice{Index: pos, Delete: n})
	return nil
}
