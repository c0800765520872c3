package crdt

import (
	"fmt"
	"math"
	"slices"
)

// formatVersion is the first element of change and batch encodings;
// decoders reject other versions. Snapshots have their own version
// (snapshotVersion).
const formatVersion = 1

// Change layout (msgpack):
//
//	[version, actor, seq, startCtr, hlcWall, hlcLogical,
//	 deps: [actor, seq, ...] sorted by actor,
//	 actors: [actor...]   (ID table; index 0 is the change's actor, omitted),
//	 ops: [[kind, coll, doc, objActor, objCtr, ...kind fields]...]]
//
// An ID is two integers: 0,0 for the zero ID, else table index + 1 and the
// counter. coll and doc are "" when equal to the previous operation's.

// actorTable numbers the actors referred to by IDs. A change refers to one
// or two, looked up in a list; a document's state to many, looked up in a
// map built once the list is long.
type actorTable struct {
	list []ActorID
	idx  map[ActorID]int // nil while the list is short
}

const actorTableShort = 8

func newActorTable(first ActorID) *actorTable {
	return &actorTable{list: []ActorID{first}}
}

// sortedActorTable numbers the actors of list in its order.
func sortedActorTable(list []ActorID) *actorTable {
	t := &actorTable{list: list}
	if len(list) > actorTableShort {
		t.index()
	}
	return t
}

func (t *actorTable) index() {
	t.idx = make(map[ActorID]int, len(t.list))
	for i, a := range t.list {
		t.idx[a] = i
	}
}

// of returns the number of actor a, which the table holds.
func (t *actorTable) of(a ActorID) int {
	if t.idx != nil {
		return t.idx[a]
	}
	return slices.Index(t.list, a)
}

func (t *actorTable) add(a ActorID) {
	if a == "" {
		return
	}
	if t.idx != nil {
		if _, ok := t.idx[a]; !ok {
			t.idx[a] = len(t.list)
			t.list = append(t.list, a)
		}
		return
	}
	if !slices.Contains(t.list, a) {
		t.list = append(t.list, a)
		if len(t.list) > actorTableShort {
			t.index()
		}
	}
}

func (w *writer) id(t *actorTable, id ID) {
	if id.IsZero() {
		w.uint(0)
		w.uint(0)
		return
	}
	w.uint(uint64(t.of(id.Actor)) + 1)
	w.uint(id.Ctr)
}

func (r *reader) id(actors []ActorID) ID {
	a, c := r.uint(), r.uint()
	if a == 0 {
		if c != 0 {
			r.fail("zero actor with counter %d", c)
		}
		return ID{}
	}
	if a > uint64(len(actors)) {
		r.fail("actor index %d out of range", a)
		return ID{}
	}
	return ID{actors[a-1], c}
}

// EncodeChange returns the binary encoding of c.
func EncodeChange(c *Change) []byte {
	t := newActorTable(c.Actor)
	for i := range c.Ops {
		op := &c.Ops[i]
		t.add(op.Obj.Actor)
		t.add(op.Ref.Actor)
		t.add(op.Right.Actor)
	}
	w := newWriter()
	w.array(9)
	w.uint(formatVersion)
	w.str(string(c.Actor))
	w.uint(c.Seq)
	w.uint(c.StartCtr)
	w.int(c.HLC.Wall)
	w.uint(uint64(c.HLC.Logical))
	actors := c.Deps.Actors()
	w.array(2 * len(actors))
	for _, a := range actors {
		w.str(string(a))
		w.uint(c.Deps[a])
	}
	w.array(len(t.list) - 1)
	for _, a := range t.list[1:] {
		w.str(string(a))
	}
	w.array(len(c.Ops))
	for i := range c.Ops {
		var prev *Op
		if i > 0 {
			prev = &c.Ops[i-1]
		}
		w.op(t, prev, &c.Ops[i])
	}
	return w.buf
}

func (w *writer) op(t *actorTable, prev, op *Op) {
	w.array(opFields(op.Kind))
	w.uint(uint64(op.Kind))
	coll, doc := op.Coll, op.Doc
	if prev != nil && prev.Coll == coll && prev.Doc == doc {
		coll, doc = "", ""
	}
	w.str(coll)
	w.str(doc)
	w.id(t, op.Obj)
	switch op.Kind {
	case OpSet:
		w.str(op.Key)
		w.value(op.Value)
	case OpMakeMap, OpMakeList, OpMakeText, OpDelField:
		w.str(op.Key)
	case OpMakeCounter:
		w.str(op.Key)
		w.int(op.Delta)
	case OpIncrement:
		w.int(op.Delta)
	case OpInsertText:
		w.id(t, op.Ref)
		w.id(t, op.Right)
		w.str(op.Text)
	case OpInsertList:
		w.id(t, op.Ref)
		w.id(t, op.Right)
		w.value(op.Values)
	case OpDelete:
		w.id(t, op.Ref)
		w.uint(op.N)
	}
}

// opFields returns the length of an operation's array.
func opFields(k OpKind) int {
	switch k {
	case OpSet, OpMakeCounter:
		return 7
	case OpMakeMap, OpMakeList, OpMakeText, OpDelField, OpIncrement:
		return 6
	case OpInsertText, OpInsertList:
		return 10
	case OpDelete:
		return 8
	}
	return 5
}

// DecodeChange decodes bytes produced by EncodeChange. It never panics:
// malformed input returns an error wrapping ErrMalformed.
func DecodeChange(b []byte) (*Change, error) {
	r := newReader(b)
	c := r.change()
	r.end()
	if r.err != nil {
		return nil, fmt.Errorf("decode change: %w", r.err)
	}
	if err := checkShape(c); err != nil {
		return nil, fmt.Errorf("decode change: %w: %v", ErrMalformed, err)
	}
	return c, nil
}

func (r *reader) change() *Change {
	r.arrayExact(9)
	if v := r.uint(); r.err == nil && v != formatVersion {
		r.fail("format version %d", v)
	}
	c := &Change{Actor: ActorID(r.str()), Seq: r.uint(), StartCtr: r.uint()}
	c.HLC.Wall = r.int()
	if l := r.uint(); l <= math.MaxUint32 {
		c.HLC.Logical = uint32(l)
	} else {
		r.fail("logical clock %d", l)
	}
	c.Deps = r.deps()
	actors := []ActorID{c.Actor}
	for n := r.array(math.MaxInt32); n > 0 && r.err == nil; n-- {
		actors = append(actors, ActorID(r.str()))
	}
	n := r.array(math.MaxInt32)
	c.Ops = make([]Op, n)
	for i := 0; i < n && r.err == nil; i++ {
		r.op(actors, c.Ops, i)
	}
	return c
}

func (r *reader) deps() VersionVector {
	n := r.array(math.MaxInt32)
	if n%2 != 0 {
		r.fail("odd dependency list")
	}
	if n == 0 || r.err != nil {
		return nil
	}
	v := make(VersionVector, n/2)
	for i := 0; i < n/2 && r.err == nil; i++ {
		a := ActorID(r.str())
		v[a] = r.uint()
	}
	return v
}

func (r *reader) op(actors []ActorID, ops []Op, i int) {
	n := r.array(10)
	op := &ops[i]
	op.Kind = OpKind(r.uint())
	if r.err == nil && (op.Kind == 0 || op.Kind >= opKindEnd || n != opFields(op.Kind)) {
		r.fail("operation kind %d with %d fields", op.Kind, n)
		return
	}
	op.Coll, op.Doc = r.str(), r.str()
	if op.Coll == "" && op.Doc == "" && i > 0 {
		op.Coll, op.Doc = ops[i-1].Coll, ops[i-1].Doc
	}
	op.Obj = r.id(actors)
	switch op.Kind {
	case OpSet:
		op.Key = r.str()
		op.Value = r.value(0, false)
	case OpMakeMap, OpMakeList, OpMakeText, OpDelField:
		op.Key = r.str()
	case OpMakeCounter:
		op.Key = r.str()
		op.Delta = r.int()
	case OpIncrement:
		op.Delta = r.int()
	case OpInsertText:
		op.Ref, op.Right = r.id(actors), r.id(actors)
		op.Text = r.str()
	case OpInsertList:
		op.Ref, op.Right = r.id(actors), r.id(actors)
		if vals, ok := r.value(0, true).([]any); ok {
			op.Values = vals
		} else {
			r.fail("list insert without values")
		}
	case OpDelete:
		op.Ref = r.id(actors)
		op.N = r.uint()
	}
}
