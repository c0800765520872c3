package crdt

import (
	"fmt"
	"math"
	"sort"
)

// Replica snapshot layout (msgpack):
//
//	[version, hlcWall, hlcLogical, versionVector: [actor, seq...],
//	 counters: [actor, nextCtr...], docs: [document snapshot...]]
//
// Everything in it follows from the set of applied changes, so replicas
// that applied the same changes produce identical bytes. It holds neither
// the change log nor buffered changes, and not the local actor: the storage
// layer keeps those.

// EncodeSnapshot returns a snapshot of the whole replica state.
func (r *Replica) EncodeSnapshot() []byte { return r.encodeSnapshot(true) }

// EncodeMeta returns a snapshot without documents (version vector, counters
// and clock), for storage that saves documents one by one with EncodeDoc.
func (r *Replica) EncodeMeta() []byte { return r.encodeSnapshot(false) }

func (r *Replica) encodeSnapshot(docs bool) []byte {
	r.syncOwn()
	w := newWriter()
	w.array(6)
	w.uint(snapshotVersion)
	w.int(r.maxHLC.Wall)
	w.uint(uint64(r.maxHLC.Logical))
	w.vector(r.version)
	w.vector(r.nextCtr)
	if !docs {
		w.array(0)
		return w.buf
	}
	keys := make([]docKey, 0, len(r.docs))
	for k := range r.docs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].coll != keys[j].coll {
			return keys[i].coll < keys[j].coll
		}
		return keys[i].id < keys[j].id
	})
	w.array(len(keys))
	for _, k := range keys {
		r.docs[k].encode(w)
	}
	return w.buf
}

func (w *writer) vector(v map[ActorID]uint64) {
	actors := VersionVector(v).Actors()
	w.array(2 * len(actors))
	for _, a := range actors {
		w.str(string(a))
		w.uint(v[a])
	}
}

func (r *reader) vector() map[ActorID]uint64 {
	n := r.array(math.MaxInt32)
	if n%2 != 0 {
		r.fail("odd vector")
	}
	v := make(map[ActorID]uint64, n/2)
	for i := 0; i < n/2 && r.err == nil; i++ {
		a := ActorID(r.str())
		if checkActor(a) != nil {
			r.fail("bad actor")
		}
		v[a] = r.uint()
	}
	return v
}

// LoadSnapshot returns a replica for actor holding the state of a snapshot
// made by EncodeSnapshot or EncodeMeta, without replaying history. Its
// change log starts empty, so ChangesSince returns only later changes.
func LoadSnapshot(actor ActorID, data []byte, opts ...Option) (*Replica, error) {
	r, err := NewReplica(actor, opts...)
	if err != nil {
		return nil, err
	}
	rd := newReader(data)
	rd.arrayExact(6)
	if v := rd.uint(); rd.err == nil && v != 1 && v != snapshotVersion {
		rd.fail("format version %d", v)
	}
	r.maxHLC.Wall = rd.int()
	if l := rd.uint(); l <= math.MaxUint32 {
		r.maxHLC.Logical = uint32(l)
	} else {
		rd.fail("logical clock %d", l)
	}
	r.version = rd.vector()
	r.nextCtr = rd.vector()
	for n := rd.array(math.MaxInt32); n > 0 && rd.err == nil; n-- {
		d := rd.doc()
		if _, dup := r.docs[d.key]; dup && rd.err == nil {
			rd.fail("duplicate document")
		}
		r.docs[d.key] = d
	}
	rd.end()
	if rd.err != nil {
		return nil, fmt.Errorf("load snapshot: %w", rd.err)
	}
	for _, d := range r.docs {
		d.raiseCounters(r.nextCtr)
	}
	r.clock.observe(r.maxHLC)
	return r, nil
}
