package crdt

import "fmt"

// ownCounters caches the local actor's entries of the version vector and
// of nextCtr, which every transaction reads and writes: a map access
// hashes the actor id each time, and a keystroke made four of them.
//
// Once the maps hold the actor, Transact updates only the cache and marks
// it dirty; every method that reads the maps otherwise (Version,
// ChangesSince, Apply, Check, the snapshot encoders, LoadDoc) calls syncOwn
// first. Whatever may change the actor's entries in the maps (Apply,
// LoadDoc) clears ok, and the next transaction reloads them.
type ownCounters struct {
	seq, ctr uint64
	ok       bool // seq and ctr are current
	dirty    bool // the maps lag behind seq and ctr
	inMaps   bool // the maps hold the actor (keys are never removed)
}

// ownCounters returns the local actor's last seq and next counter.
func (r *Replica) ownCounters() (seq, ctr uint64) {
	if !r.own.ok {
		r.own = ownCounters{seq: r.version[r.actor], ctr: r.nextCtr[r.actor], ok: true}
	}
	return r.own.seq, r.own.ctr
}

// setOwn records a local change's seq and the next counter. The first time
// it writes them through, so that the maps hold the actor (deps counts the
// version vector's entries).
func (r *Replica) setOwn(seq, ctr uint64) {
	r.own.seq, r.own.ctr, r.own.ok = seq, ctr, true
	if r.own.inMaps {
		r.own.dirty = true
		return
	}
	r.version[r.actor], r.nextCtr[r.actor] = seq, ctr
	r.own.inMaps = true
}

// syncOwn brings the maps up to date with the cache.
func (r *Replica) syncOwn() {
	if r.own.dirty {
		r.version[r.actor], r.nextCtr[r.actor] = r.own.seq, r.own.ctr
		r.own.dirty = false
	}
}

// dropOwn syncs the maps and forgets the cache, before something other
// than Transact may change the actor's entries.
func (r *Replica) dropOwn() {
	r.syncOwn()
	r.own.ok = false
}

// CatchUp notes the local actor's last change c, made after the metadata
// the replica was loaded with (LoadSnapshot of EncodeMeta): its seq, the
// counters it used and its clock, not its operations. It is for a host
// that stores the metadata less often than it stores local changes, and
// the documents those changes touched on their own: the replica then
// goes on where c left off. A change older than what the replica holds
// is ignored; another actor's is an error.
func (r *Replica) CatchUp(c *Change) error {
	if c.Actor != r.actor {
		return fmt.Errorf("catch up: change of %s, not of the local actor %s", c.Actor, r.actor)
	}
	r.dropOwn()
	if c.Seq <= r.version[r.actor] {
		return nil
	}
	r.version[r.actor] = c.Seq
	if ctr := c.StartCtr + c.width(); ctr > r.nextCtr[r.actor] {
		r.nextCtr[r.actor] = ctr
	}
	if c.HLC.Compare(r.maxHLC) > 0 {
		r.maxHLC = c.HLC
	}
	r.clock.observe(r.maxHLC)
	return nil
}
