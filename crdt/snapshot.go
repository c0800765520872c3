package crdt

import (
	"fmt"
	"math"
	"cmp"
	"slices"
	"sort"
	"strings"
)

// Document snapshot layout (msgpack):
//
//	[version, coll, id, actors: [actor...], del: stamp, live: stamp,
//	 base: stamp,
//	 objects: [[objActor, objCtr, kind, parentActor, parentCtr, key, payload]...]]
//
// Format 1 has no base: its documents hid the root fields written at or
// before their latest delete, so they load with base = del and read as
// they did.
//
// A stamp is [wall, logical, actor, ctr] with actor a table index + 1 (0:
// the zero stamp). Objects are sorted by ID, the root first. A map payload
// is [[key, stamp, flags, value]...] sorted by key (flags: 1 deleted, 2 the
// value is the object the write created); a counter payload is its value;
// text and list payloads are described in snapshot_seq.go.

// snapshotVersion is the first element of replica and document snapshots.
// Decoders accept it and format 1 (documents without base).
const snapshotVersion = 2

func (w *writer) stamp(t *actorTable, s Stamp) {
	w.array(4)
	w.int(s.Wall)
	w.uint(uint64(s.Logical))
	if s.Actor == "" {
		w.uint(0)
	} else {
		w.uint(uint64(t.of(s.Actor)) + 1)
	}
	w.uint(s.Ctr)
}

func (r *reader) stamp(actors []ActorID) Stamp {
	r.arrayExact(4)
	s := Stamp{HLC: HLC{Wall: r.int()}}
	if l := r.uint(); l <= math.MaxUint32 {
		s.Logical = uint32(l)
	} else {
		r.fail("logical clock %d", l)
	}
	a := r.uint()
	s.Ctr = r.uint()
	switch {
	case a == 0 && (s.Ctr != 0 || s.HLC != HLC{}):
		r.fail("stamp without actor")
	case a > uint64(len(actors)):
		r.fail("actor index %d out of range", a)
	case a > 0:
		s.Actor = actors[a-1]
	}
	return s
}

// actorTable returns the sorted table of actors a document refers to.
func (d *docState) actorTable() *actorTable {
	// A document mostly holds one or a few actors: a list with a linear
	// look-up beats a set (this runs for every document a commit stores);
	// past a few, a set.
	var list []ActorID
	var set map[ActorID]bool
	add := func(a ActorID) {
		switch {
		case a == "":
		case set != nil:
			if !set[a] {
				set[a] = true
				list = append(list, a)
			}
		case !slices.Contains(list, a):
			list = append(list, a)
			if len(list) > actorTableShort {
				set = make(map[ActorID]bool, 2*len(list))
				for _, b := range list {
					set[b] = true
				}
			}
		}
	}
	add(d.del.Actor)
	add(d.live.Actor)
	add(d.base.Actor)
	for id, o := range d.objs {
		add(id.Actor)
		for _, e := range o.fields {
			add(e.stamp.Actor)
		}
		if o.text != nil {
			o.text.each(func(r *run[rune]) { add(r.id.Actor); add(r.left.Actor); add(r.right.Actor) })
		}
		if o.list != nil {
			o.list.each(func(r *run[any]) { add(r.id.Actor); add(r.left.Actor); add(r.right.Actor) })
		}
	}
	slices.Sort(list)
	return sortedActorTable(list)
}

func (d *docState) encode(w *writer) {
	t := d.actorTable()
	w.array(8)
	w.uint(snapshotVersion)
	w.str(d.key.coll)
	w.str(d.key.id)
	w.array(len(t.list))
	for _, a := range t.list {
		w.str(string(a))
	}
	w.stamp(t, d.del)
	w.stamp(t, d.live)
	w.stamp(t, d.base)
	ids := make([]ID, 0, len(d.objs))
	for id := range d.objs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b ID) int {
		if c := strings.Compare(string(a.Actor), string(b.Actor)); c != 0 {
			return c
		}
		return cmp.Compare(a.Ctr, b.Ctr)
	})
	w.array(len(ids))
	for _, id := range ids {
		w.object(t, id, d.objs[id])
	}
}

// object writes one object record; IDs are table index + 1 as in changes.
func (w *writer) object(t *actorTable, id ID, o *object) {
	w.array(7)
	w.id(t, id)
	w.uint(uint64(o.kind))
	w.id(t, o.parent)
	w.str(o.key)
	switch o.kind {
	case kindMap:
		w.fields(t, o.fields)
	case kindCounter:
		w.int(o.count)
	case kindText:
		w.text(o.text, t)
	case kindList:
		w.list(o.list, t)
	}
}

func (w *writer) fields(t *actorTable, fields map[string]entry) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.array(len(keys))
	for _, k := range keys {
		e := fields[k]
		w.array(4)
		w.str(k)
		w.stamp(t, e.stamp)
		var f uint64
		if e.del {
			f |= 1
		}
		if e.obj {
			f |= 2
		}
		w.uint(f)
		w.value(e.val)
	}
}

// doc decodes one document snapshot and validates it.
func (r *reader) doc() *docState {
	n := r.array(8)
	v := r.uint()
	if r.err == nil && !(v == 1 && n == 7) && !(v == snapshotVersion && n == 8) {
		r.fail("format version %d with %d elements", v, n)
	}
	d := &docState{key: docKey{r.str(), r.str()}, objs: map[ID]*object{}}
	var actors []ActorID
	for n := r.array(math.MaxInt32); n > 0 && r.err == nil; n-- {
		a := ActorID(r.str())
		if checkActor(a) != nil || (len(actors) > 0 && actors[len(actors)-1] >= a) {
			r.fail("bad actor table")
		}
		actors = append(actors, a)
	}
	d.del, d.live = r.stamp(actors), r.stamp(actors)
	if d.base = d.del; v == snapshotVersion {
		d.base = r.stamp(actors)
	}
	for n := r.array(math.MaxInt32); n > 0 && r.err == nil; n-- {
		r.object(d, actors)
	}
	if r.err == nil && (d.key.coll == "" || d.key.id == "") {
		r.fail("document without a name")
	}
	if r.err == nil {
		if err := d.check(); err != nil {
			r.fail("%v", err)
		}
	}
	return d
}

func (r *reader) object(d *docState, actors []ActorID) {
	r.arrayExact(7)
	id := r.id(actors)
	o := &object{kind: objKind(r.uint()), parent: r.id(actors), key: r.str()}
	if _, dup := d.objs[id]; dup && r.err == nil {
		r.fail("duplicate object %v", id)
	}
	switch o.kind {
	case kindMap:
		o.fields = r.fields(actors)
	case kindCounter:
		o.count = r.int()
	case kindText:
		o.text = r.textSeq(actors)
	case kindList:
		o.list = r.listSeq(actors)
	default:
		r.fail("object kind %d", o.kind)
	}
	if r.err == nil && id.IsZero() != (o.parent.IsZero() && o.key == "" && o.kind == kindMap) {
		r.fail("bad root object")
	}
	d.objs[id] = o
}

func (r *reader) fields(actors []ActorID) map[string]entry {
	n := r.array(math.MaxInt32)
	m := make(map[string]entry, n)
	prev := ""
	for i := 0; i < n && r.err == nil; i++ {
		r.arrayExact(4)
		k := r.str()
		if i > 0 && k <= prev {
			r.fail("fields not sorted")
		}
		prev = k
		e := entry{stamp: r.stamp(actors)}
		f := r.uint()
		e.del, e.obj = f&1 != 0, f&2 != 0
		e.val = r.value(0, false)
		if f > 3 || (f != 0 && e.val != nil) || e.stamp.Actor == "" {
			r.fail("bad field %q", k)
		}
		m[k] = e
	}
	return m
}

// EncodeDoc returns a snapshot of one document (existing or deleted), which
// LoadDoc restores without replaying history. It fails with ErrNotFound if
// the replica holds nothing for coll/id.
func (r *Replica) EncodeDoc(coll, id string) ([]byte, error) {
	d := r.docs[docKey{coll, id}]
	if d == nil {
		return nil, fmt.Errorf("%w: document %s/%s", ErrNotFound, coll, id)
	}
	w := newWriter()
	d.encode(w)
	return w.buf, nil
}

// LoadDoc replaces the replica's state of one document with a snapshot made
// by EncodeDoc. The caller keeps the document consistent with the version
// vector (the storage layer loads documents of a snapshot it saved whole).
func (r *Replica) LoadDoc(data []byte) error {
	rd := newReader(data)
	d := rd.doc()
	rd.end()
	if rd.err != nil {
		return fmt.Errorf("load document: %w", rd.err)
	}
	r.dropOwn() // raiseCounters may raise the local actor's counter
	d.raiseCounters(r.nextCtr)
	r.docs[d.key] = d
	r.shape++ // the document replaced may be the one lastTarget holds
	return nil
}
