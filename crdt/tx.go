package crdt

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Tx is a local transaction. Its methods apply immediately (later calls see
// earlier ones); if the function given to Transact returns an error,
// everything is undone. A Tx must not be kept or used after its function
// returns.
type Tx struct {
	r    *Replica
	c    *Change
	ctr  uint64
	done bool
	// lastInsEnd is the counter after the last inserted element (its
	// actor is the change's; 0: none), so that a continuing insertion
	// merges into the previous operation.
	lastInsEnd uint64
}

// Transact runs fn as one local transaction and returns the change to send
// to other replicas and what changed. If fn returns an error nothing is
// applied, no change is produced and no seq is used; the same holds if fn
// panics (the panic continues). A transaction that does nothing returns a
// nil change.
func (r *Replica) Transact(fn func(tx *Tx) error) (*Change, *Patch, error) {
	if r.inTx {
		return nil, nil, fmt.Errorf("%w: Transact called inside a transaction", ErrInvalidArgument)
	}
	seq, next := r.ownCounters()
	c, tx := newChange(r.actor, seq+1, r.clock.tick(), max(1, next)), &r.tx
	// The Tx is the replica's, reused; set field by field (see grow.go).
	tx.r, tx.c, tx.ctr, tx.done, tx.lastInsEnd = r, c, c.StartCtr, false, 0
	r.beginStep()
	r.pb.reset()
	r.inTx = true
	finished := false
	defer func() {
		if !finished { // fn panicked: undo, then let the panic continue
			r.inTx, tx.done = false, true
			r.rollback()
			r.pb.reset()
		}
	}()
	err := fn(tx)
	finished = true
	r.inTx, tx.done = false, true
	if err != nil {
		r.rollback()
		r.pb.reset()
		return nil, nil, err
	}
	r.undo.reset()
	p := r.pb.finish()
	if len(c.Ops) == 0 {
		return nil, p, nil
	}
	c.Deps = r.deps()
	r.setOwn(c.Seq, tx.ctr) // version and nextCtr, through the cache
	r.keep(c)
	return c, p, r.strictCheck()
}

// newChange allocates a change together with room for its first
// operation, one allocation: a keystroke must stay cheap. Its fields are
// set right after the allocation, where they need no write barriers.
func newChange(actor ActorID, seq uint64, hlc HLC, startCtr uint64) *Change {
	blk := &struct {
		c   Change
		ops [1]Op
	}{}
	c := &blk.c
	c.Actor, c.Seq, c.HLC, c.StartCtr, c.Ops = actor, seq, hlc, startCtr, blk.ops[:0:1]
	return c
}

// errTxDone is built on use: a package-level fmt.Errorf would run fmt's
// formatting code at start-up, which in the browser compiles it (lazily,
// function by function) on the way to the first result.
func errTxDone() error { return fmt.Errorf("%w: transaction already finished", ErrInvalidArgument) }

func (tx *Tx) stamp() Stamp { return Stamp{HLC: tx.c.HLC, Actor: tx.c.Actor, Ctr: tx.ctr} }

// nextOp extends the change's operations by one and returns the new one,
// to be filled field by field (see grow.go). It is zero: Ops is only ever
// appended to, and its room past the length comes zeroed.
func (tx *Tx) nextOp() *Op { return grow1(&tx.c.Ops) }

// emit applies op as the next operation of the change.
func (tx *Tx) emit(d *docState, op Op) (ID, error) {
	id := ID{tx.c.Actor, tx.ctr}
	op.Coll, op.Doc = d.key.coll, d.key.id
	if err := tx.r.applyOp(d, &op, id, tx.stamp()); err != nil {
		return ID{}, err
	}
	tx.c.Ops = append(tx.c.Ops, op)
	tx.ctr += op.width()
	return id, nil
}

// doc returns the addressed document; if it is absent, it creates it when
// create is set, else fails with ErrNotFound.
func (tx *Tx) doc(coll, id string, create bool) (*docState, error) {
	d, err := tx.address(coll, id)
	if err != nil || (d != nil && d.exists()) {
		return d, err
	}
	if !create {
		return nil, fmt.Errorf("%w: document %s/%s", ErrNotFound, coll, id)
	}
	return tx.create(d, coll, id)
}

// address validates coll and id and returns the state the replica holds
// for the document, existing or deleted; nil if none.
func (tx *Tx) address(coll, id string) (*docState, error) {
	if tx.done {
		return nil, errTxDone()
	}
	if coll == "" || id == "" || !utf8.ValidString(coll) || !utf8.ValidString(id) {
		return nil, fmt.Errorf("%w: collection %q, id %q", ErrInvalidArgument, coll, id)
	}
	return tx.r.docs[docKey{coll, id}], nil
}

// create makes absent document coll/id (d its state, nil if none) exist.
// Its OpCreateDoc starts the document afresh, hiding the fields of an
// earlier life and of concurrent writes ordered before it: a document
// deleted and written again never shows what it held before the delete.
func (tx *Tx) create(d *docState, coll, id string) (*docState, error) {
	if d == nil {
		d = tx.r.docFor(coll, id)
	}
	if _, err := tx.emit(d, Op{Kind: OpCreateDoc}); err != nil {
		return nil, err
	}
	return d, nil
}

// Put replaces the whole document coll/id (creating it if needed) with
// fields. Values may be scalars, nested map[string]any, []any (a list),
// Text or Counter.
func (tx *Tx) Put(coll, id string, fields map[string]any) error {
	if err := checkField(fields, 0); err != nil {
		return fmt.Errorf("put %s/%s: %w", coll, id, err)
	}
	d, err := tx.address(coll, id)
	if err != nil {
		return err
	}
	tx.c.Ops = growOps(tx.c.Ops, PutOps(fields))
	if d == nil || !d.exists() {
		if d, err = tx.create(d, coll, id); err != nil {
			return err
		}
	} else {
		// Replacing an existing document. The creation hides its fields;
		// the delete before it hides them too for a replica of an earlier
		// version, which hid fields by deletes.
		if _, err := tx.emit(d, Op{Kind: OpDeleteDoc}); err != nil {
			return err
		}
		if _, err := tx.emit(d, Op{Kind: OpCreateDoc}); err != nil {
			return err
		}
	}
	tx.r.pb.reserve(d, len(fields))
	return tx.putFields(d, ID{}, fields)
}

// fieldOps returns how many operations putFields emits for fields.
// Reserve makes room for n more operations in the change, for a caller
// that knows its transaction is large (an import of many documents).
func (tx *Tx) Reserve(n int) { tx.c.Ops = growOps(tx.c.Ops, n) }

// growOps returns ops with room for n more operations at once: Op is
// large, and growing the slice one append at a time copies it over and
// over. It doubles (append grows a large slice by a quarter, which made an
// import of 1,000 documents copy its operations twenty times over).
func growOps(ops []Op, n int) []Op {
	if cap(ops)-len(ops) >= n {
		return ops
	}
	out := make([]Op, len(ops), max(2*cap(ops), len(ops)+n, 8))
	copy(out, ops)
	return out
}

// PutOps returns how many operations Put of fields makes, at most.
func PutOps(fields map[string]any) int { return 2 + fieldOps(fields) }

func fieldOps(fields map[string]any) int {
	n := 0
	for _, v := range fields {
		n++
		switch x := v.(type) {
		case Text:
			if x != "" {
				n++
			}
		case map[string]any:
			n += fieldOps(x)
		case []any:
			if len(x) > 0 {
				n++
			}
		}
	}
	return n
}

func (tx *Tx) putFields(d *docState, obj ID, fields map[string]any) error {
	var buf [16]string // documents rarely have more fields: no allocation
	keys := buf[:0]
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := tx.putValue(d, obj, k, fields[k]); err != nil {
			return err
		}
	}
	return nil
}

// putValue writes a validated value into field key of map obj.
func (tx *Tx) putValue(d *docState, obj ID, key string, v any) error {
	switch x := v.(type) {
	case Text:
		id, err := tx.emit(d, Op{Kind: OpMakeText, Obj: obj, Key: key})
		if err != nil || x == "" {
			return err
		}
		return tx.insertText(seqTarget{d: d, obj: id, o: d.objs[id]}, 0, string(x))
	case Counter:
		_, err := tx.emit(d, Op{Kind: OpMakeCounter, Obj: obj, Key: key, Delta: int64(x)})
		return err
	case map[string]any:
		id, err := tx.emit(d, Op{Kind: OpMakeMap, Obj: obj, Key: key})
		if err != nil {
			return err
		}
		return tx.putFields(d, id, x)
	case []any:
		id, err := tx.emit(d, Op{Kind: OpMakeList, Obj: obj, Key: key})
		if err != nil || len(x) == 0 {
			return err
		}
		return tx.insertList(seqTarget{d: d, obj: id, o: d.objs[id]}, 0, x)
	}
	s, _, _ := normScalar(v)
	_, err := tx.emit(d, Op{Kind: OpSet, Obj: obj, Key: key, Value: s})
	return err
}

// Set writes value at path inside document coll/id, creating the document
// and missing intermediate maps. It fails with ErrWrongType if the path
// crosses a field that is not a map.
func (tx *Tx) Set(coll, id string, path []string, value any) error {
	if err := checkPath(path); err != nil {
		return err
	}
	if err := checkField(value, len(path)); err != nil {
		return fmt.Errorf("set %s/%s %v: %w", coll, id, path, err)
	}
	d, err := tx.doc(coll, id, true)
	if err != nil {
		return err
	}
	obj, err := tx.resolve(d, path[:len(path)-1], true)
	if err != nil {
		return err
	}
	return tx.putValue(d, obj, path[len(path)-1], value)
}

func checkPath(path []string) error {
	if len(path) == 0 || len(path) > maxValueDepth {
		return fmt.Errorf("%w: path of length %d", ErrInvalidArgument, len(path))
	}
	for _, p := range path {
		if !utf8.ValidString(p) {
			return fmt.Errorf("%w: path element is not valid UTF-8", ErrInvalidArgument)
		}
	}
	return nil
}

// resolve walks path through nested maps from the root and returns the map
// it ends at, creating missing maps if create is set.
func (tx *Tx) resolve(d *docState, path []string, create bool) (ID, error) {
	obj := ID{}
	for i, k := range path {
		e, ok := d.field(obj, k)
		if !ok {
			if !create {
				return ID{}, fmt.Errorf("%w: field %v", ErrNotFound, path[:i+1])
			}
			id, err := tx.emit(d, Op{Kind: OpMakeMap, Obj: obj, Key: k})
			if err != nil {
				return ID{}, err
			}
			obj = id
			continue
		}
		if !e.obj || d.objs[e.objID()].kind != kindMap {
			return ID{}, fmt.Errorf("%w: field %v is not a map", ErrWrongType, path[:i+1])
		}
		obj = e.objID()
	}
	return obj, nil
}

// DeleteField deletes the field at path of document coll/id.
func (tx *Tx) DeleteField(coll, id string, path []string) error {
	if err := checkPath(path); err != nil {
		return err
	}
	d, err := tx.doc(coll, id, false)
	if err != nil {
		return err
	}
	parent, err := tx.resolve(d, path[:len(path)-1], false)
	if err != nil {
		return err
	}
	if _, ok := d.field(parent, path[len(path)-1]); !ok {
		return fmt.Errorf("%w: field %v of %s/%s", ErrNotFound, path, coll, id)
	}
	_, err = tx.emit(d, Op{Kind: OpDelField, Obj: parent, Key: path[len(path)-1]})
	return err
}

// Increment adds delta to the counter at path.
func (tx *Tx) Increment(coll, id string, path []string, delta int64) error {
	t, err := tx.target(coll, id, path, kindCounter)
	if err != nil {
		return err
	}
	_, err = tx.emit(t.d, Op{Kind: OpIncrement, Obj: t.obj, Delta: delta})
	return err
}

// DeleteDoc deletes document coll/id.
func (tx *Tx) DeleteDoc(coll, id string) error {
	d, err := tx.doc(coll, id, false)
	if err != nil {
		return err
	}
	_, err = tx.emit(d, Op{Kind: OpDeleteDoc})
	return err
}
