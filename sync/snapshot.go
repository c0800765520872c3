package sync

import (
	"errors"
	"fmt"

	"github.com/hearthdb/hearth/crdt"
)

// Snapshots (protocol version 3, docs/PROTOCOL.md §1b). A snapshot is an
// opaque blob, made by a client from its replica, that stands for every
// change its version vector covers. A client uploads one when the relay's
// WELCOME asks for it (SnapshotAfter); the relay keeps the newest per
// space and sends it to a newcomer before the changes after it, so that
// joining costs what the space holds now, not its whole history, and the
// relay may drop the changes it covers.

// Snapshot carries a piece of a snapshot: bytes [Offset, Offset+len(Chunk))
// of the Total-byte blob covering Version. The pieces of one snapshot go in
// order, back to back in their direction, with the same Version and Total.
// Client to relay, ID names the upload, answered by ACK(ID, the vector of
// the snapshot the relay now holds) or ERROR; relay to client, ID is 0 and
// the assembled snapshot is applied before the CHANGES that follow it.
type Snapshot struct {
	ID      uint64
	Version crdt.VersionVector
	Total   uint64
	Offset  uint64
	Chunk   []byte
}

// Type implements Message.
func (*Snapshot) Type() Type { return TypeSnapshot }

// SnapshotStore is what a LocalStore implements too when its replica can
// take and make snapshots; a Session over one speaks protocol version 3.
type SnapshotStore interface {
	// ApplySnapshot merges a snapshot covering vv into the replica and
	// stores it, keeping every change the replica holds that vv does not
	// cover (local changes made offline included: they are still pushed).
	// Afterwards Version covers vv. It must be idempotent, and resumable:
	// a process that stops midway must come back to a consistent replica
	// that finishes the job (or that takes the snapshot again). A snapshot
	// that does not decode, or covers another vector than vv, wraps
	// ErrInvalidChange.
	ApplySnapshot(vv crdt.VersionVector, data []byte) error
	// Snapshot returns a snapshot of the replica and the vector it covers.
	Snapshot() (crdt.VersionVector, []byte, error)
}

// SnapshotParts is the number of pieces a snapshot of up to
// lim.MaxSnapshot bytes may take, at the smallest piece a receiver
// accepts.
func SnapshotParts(lim Limits) int { return lim.MaxSnapshot/minPart(lim.MaxFrame) + 1 }

// SplitSnapshot returns the SNAPSHOT messages that carry data covering vv
// under lim, for upload id (0 from a relay). The chunks share data's
// memory; every piece but the last fills a frame.
func SplitSnapshot(vv crdt.VersionVector, data []byte, id uint64, lim Limits) []*Snapshot {
	size := SnapshotPieceSize(vv, lim)
	var out []*Snapshot
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		out = append(out, &Snapshot{ID: id, Version: vv, Total: uint64(len(data)), Offset: uint64(off), Chunk: data[off:end]})
	}
	return out
}

// SnapshotPieceSize is the chunk size of the SNAPSHOT frames of a
// snapshot covering vv under lim: what a frame holds besides the header.
func SnapshotPieceSize(vv crdt.VersionVector, lim Limits) int {
	return max(minPart(lim.MaxFrame), lim.MaxFrame-partOverhead-vvBytes(vv))
}

// vvBytes bounds the encoded size of vv.
func vvBytes(vv crdt.VersionVector) int {
	n := 5
	for a := range vv {
		n += len(a) + 5 + 9
	}
	return n
}

func (d *reader) snapshot() Message {
	s := &Snapshot{ID: d.uint(), Version: d.vv(), Total: d.uint(), Offset: d.uint()}
	if d.err == nil && s.Total > uint64(d.lim.MaxSnapshot) {
		d.fail(tooLarge("snapshot of %d bytes, limit %d", s.Total, d.lim.MaxSnapshot))
		return nil
	}
	s.Chunk = d.raw(false, d.lim.MaxFrame)
	switch {
	case d.err != nil:
		return nil
	case len(s.Version) == 0:
		d.fail(malformed("snapshot of an empty version vector"))
	case len(s.Chunk) == 0 || s.Offset > s.Total || uint64(len(s.Chunk)) > s.Total-s.Offset:
		d.fail(malformed("snapshot piece [%d, +%d) of %d bytes", s.Offset, len(s.Chunk), s.Total))
	}
	return s
}

// SnapshotAssembler rebuilds one snapshot from its SNAPSHOT frames,
// checking that they come in order, belong to one snapshot, are not too
// small, and stay within Lim.MaxSnapshot. Like Assembler, its buffer grows
// with the bytes received and is charged to Budget, if set.
type SnapshotAssembler struct {
	Lim    Limits
	Budget Budget
	cur    *Snapshot // first piece, without chunk
	budgeted
}

// Busy reports whether a snapshot is partly assembled.
func (a *SnapshotAssembler) Busy() bool { return a.cur != nil }

// Add takes the next piece; with the last one it returns the whole
// snapshot (its Chunk the blob, Offset 0) and done = true. An error drops
// the partial snapshot.
func (a *SnapshotAssembler) Add(p *Snapshot) (whole *Snapshot, done bool, err error) {
	if err := a.check(p); err != nil {
		a.Reset()
		return nil, false, err
	}
	if a.cur == nil {
		a.cur = &Snapshot{ID: p.ID, Version: p.Version, Total: p.Total}
	}
	if err := a.grow(len(p.Chunk)); err != nil {
		a.Reset()
		return nil, false, err
	}
	a.buf = append(a.buf, p.Chunk...)
	if uint64(len(a.buf)) < a.cur.Total {
		return nil, false, nil
	}
	whole = &Snapshot{ID: a.cur.ID, Version: a.cur.Version, Total: a.cur.Total, Chunk: a.buf}
	a.buf = nil
	a.Reset()
	return whole, true, nil
}

func (a *SnapshotAssembler) check(p *Snapshot) error {
	lim := a.Lim.WithDefaults()
	end := p.Offset + uint64(len(p.Chunk))
	switch {
	case p.Total > uint64(lim.MaxSnapshot):
		return tooLarge("snapshot of %d bytes, limit %d", p.Total, lim.MaxSnapshot)
	case len(p.Chunk) == 0 || p.Offset > p.Total || end > p.Total:
		return malformed("snapshot piece [%d, +%d) of %d bytes", p.Offset, len(p.Chunk), p.Total)
	case end < p.Total && len(p.Chunk) < minPart(lim.MaxFrame):
		return malformed("snapshot piece of %d bytes before the last, minimum %d", len(p.Chunk), minPart(lim.MaxFrame))
	case a.cur == nil && p.Offset != 0:
		return malformed("snapshot starts at offset %d", p.Offset)
	case a.cur == nil:
		return nil
	case p.ID != a.cur.ID || p.Total != a.cur.Total || !sameVV(p.Version, a.cur.Version):
		return malformed("piece of another snapshot while one is incomplete")
	case p.Offset != uint64(len(a.buf)):
		return malformed("snapshot piece at offset %d, want %d", p.Offset, len(a.buf))
	}
	return nil
}

func sameVV(a, b crdt.VersionVector) bool { return a.Dominates(b) && b.Dominates(a) }

func (a *SnapshotAssembler) grow(n int) error { return a.budgeted.grow(a.Budget, n, a.cur.Total) }

// Reset drops a partial snapshot and returns its memory to the budget.
func (a *SnapshotAssembler) Reset() {
	a.release(a.Budget)
	a.cur = nil
}

// snapState is the Session's state for snapshots: the one being received,
// what the relay holds and asks for, and this connection's upload.
type snapState struct {
	asm SnapshotAssembler
	// held is the vector of the relay's newest snapshot (WELCOME, then
	// the ACK of an upload); after is its SnapshotAfter; max its
	// MaxSnapshot.
	held  crdt.VersionVector
	after uint64
	max   int
	// upID is the id of the upload awaiting its ACK (0: none); tried is
	// the acknowledged vector when this connection last considered one,
	// so that it considers again only once more is acknowledged.
	upID  uint64
	tried crdt.VersionVector
}

// protoFor is the newest protocol version a session over store speaks.
func protoFor(store LocalStore) uint64 {
	if _, ok := store.(SnapshotStore); ok {
		return ProtocolVersion
	}
	return SnapshotProtocolVersion - 1
}

// resetSnapLocked forgets what a connection held.
func (s *Session) resetSnapLocked() {
	s.snap.asm.Reset()
	s.snap.upID, s.snap.tried = 0, nil
}

// welcomeSnapLocked notes a WELCOME's snapshot fields.
func (s *Session) welcomeSnapLocked(w *Welcome) {
	s.snap.held, s.snap.after, s.snap.max = w.Snapshot.Clone(), w.SnapshotAfter, int(w.MaxSnapshot)
	if s.snap.max == 0 || s.snap.max > s.cfg.Limits.MaxSnapshot {
		s.snap.max = s.cfg.Limits.MaxSnapshot
	}
}

// snapOrderLocked refuses any other message while a snapshot is partly
// received, and assembles SNAPSHOT frames: a whole one is applied.
func (s *Session) snapOrderLocked(m Message) (handled bool, err error) {
	p, ok := m.(*Snapshot)
	if !ok {
		if s.snap.asm.Busy() {
			return true, fmt.Errorf("%w: %T before the last SNAPSHOT piece", ErrUnexpected, m)
		}
		return false, nil
	}
	if s.state == Connecting || p.ID != 0 {
		return true, fmt.Errorf("%w: SNAPSHOT with id %d from relay", ErrUnexpected, p.ID)
	}
	s.snap.asm.Lim = s.lim
	whole, done, err := s.snap.asm.Add(p)
	if err != nil || !done {
		return true, err
	}
	return true, s.refreshLocked(s.applySnapshotLocked(whole))
}

// applySnapshotLocked hands a received snapshot to the store; the relay
// holds (or held) every change it covers, so they count as acknowledged.
func (s *Session) applySnapshotLocked(snap *Snapshot) error {
	ss, ok := s.store.(SnapshotStore)
	if !ok {
		return fmt.Errorf("%w: SNAPSHOT to a store that takes none", ErrUnexpected)
	}
	if err := ss.ApplySnapshot(snap.Version, snap.Chunk); err != nil {
		if errors.Is(err, ErrInvalidChange) {
			return fmt.Errorf("hearth/sync: apply snapshot: %w", err)
		}
		return storageErr("apply snapshot", err)
	}
	s.progress++
	s.acked.Merge(snap.Version)
	s.sent.Merge(snap.Version)
	if err := s.store.SetAcked(s.acked); err != nil {
		return storageErr("persist acked", err)
	}
	return nil
}

// snapAckLocked takes the ACK of an upload: the relay's snapshot now.
func (s *Session) snapAckLocked(a *Ack) bool {
	if s.snap.upID == 0 || a.ID != s.snap.upID {
		return false
	}
	s.snap.upID, s.snap.held = 0, a.Version.Clone()
	s.progress++
	return true
}

// beyond counts the changes of v that held does not cover.
func beyond(v, held crdt.VersionVector) uint64 {
	var n uint64
	for a, seq := range v {
		if seq > held[a] {
			n += seq - held[a]
		}
	}
	return n
}

// uploadLocked returns the SNAPSHOT frames of an upload when the relay
// asks for one (SnapshotAfter changes beyond its snapshot) and this client
// is synced: one at a time, of a snapshot whose changes the relay
// acknowledged (so it holds them), within its limit, and considered again
// only once the relay acknowledged more.
func (s *Session) uploadLocked() ([][]byte, error) {
	ss, ok := s.store.(SnapshotStore)
	if !ok || s.proto < SnapshotProtocolVersion || s.state != Synced || s.snap.upID != 0 || s.snap.after == 0 ||
		beyond(s.acked, s.snap.held) < s.snap.after || (s.snap.tried != nil && s.snap.tried.Equal(s.acked)) {
		return nil, nil
	}
	s.snap.tried = s.acked.Clone()
	vv, data, err := ss.Snapshot()
	if err != nil {
		return nil, storageErr("make snapshot", err)
	}
	if len(vv) == 0 || !s.acked.Dominates(vv) || len(data) > s.snap.max || s.snap.held.Dominates(vv) {
		return nil, nil // a later connection tries again
	}
	s.nextID++
	s.snap.upID = s.nextID
	var frames [][]byte
	for _, p := range SplitSnapshot(vv, data, s.snap.upID, s.lim) {
		f, err := EncodeVersion(p, s.proto)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}
