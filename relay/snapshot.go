package relay

import (
	"context"
	"fmt"
	"time"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// Snapshots (protocol version 3, docs/PROTOCOL.md §1b). The relay never
// decodes one: it stores the newest a client uploads per space, after
// checking that its vector claims only changes it holds, and sends it to
// a newcomer before the changes after it. Under Config.DropHistory it then
// drops the changes the snapshot covers (after Config.RetainHistory);
// clients that lack them and cannot take a snapshot get history_dropped.

// welcomeFor returns the WELCOME for h and the snapshot to send before
// the changes (nil: none), or the error that refuses the session.
func (r *Relay) welcomeFor(h *hsync.Hello) (*hsync.Welcome, *SnapshotInfo, error) {
	w, err := r.welcome(h.Space)
	if err != nil {
		return nil, nil, err
	}
	info, ok, floor, err := r.cfg.Store.Snapshot(h.Space)
	if err != nil {
		return nil, nil, err
	}
	w.SnapshotAfter, w.MaxSnapshot = r.cfg.SnapshotAfter, uint64(r.cfg.Limits.MaxSnapshot)
	if ok {
		w.Snapshot = info.Version
	}
	send, err := needsSnapshot(h, info, ok, floor)
	if err != nil || !send {
		return w, nil, err
	}
	return w, &info, nil
}

// needsSnapshot tells whether a client that announced h gets the snapshot
// info (if ok) before the changes: when it lacks a change the relay
// dropped, or more than half of the changes the snapshot covers (an empty
// replica lacks them all). A client that lacks a dropped change and
// cannot take a snapshot gets ErrHistoryDropped.
func needsSnapshot(h *hsync.Hello, info SnapshotInfo, ok bool, floor crdt.VersionVector) (bool, error) {
	var lacks crdt.ActorID
	for a, f := range floor {
		if h.Version[a] < f {
			lacks = a
			break
		}
	}
	takes := h.Proto >= hsync.SnapshotProtocolVersion && ok
	switch {
	case lacks != "" && (!takes || h.Version.Dominates(info.Version)):
		return false, fmt.Errorf("%w: the client holds %s up to %d; the relay keeps it only in a snapshot, which protocol version %d cannot take",
			hsync.ErrHistoryDropped, lacks, h.Version[lacks], h.Proto)
	case lacks != "":
		return true, nil
	case !takes || h.Version.Dominates(info.Version):
		return false, nil
	}
	var total, lack uint64
	for a, seq := range info.Version {
		total += seq
		if seq > h.Version[a] {
			lack += seq - h.Version[a]
		}
	}
	return 2*lack > total, nil
}

// snapshotFrames reads snapshot info of space from the store, a frame's
// worth at a time, and hands each SNAPSHOT frame to send.
func (r *Relay) snapshotFrames(space string, info *SnapshotInfo, send func(hsync.Message) error) error {
	size := hsync.SnapshotPieceSize(info.Version, r.cfg.Limits)
	for off := 0; off < info.Size; off += size {
		chunk, err := r.cfg.Store.ReadSnapshot(space, info.Gen, off, size)
		if err != nil {
			return err
		}
		if err := send(&hsync.Snapshot{Version: info.Version, Total: uint64(info.Size), Offset: uint64(off), Chunk: chunk}); err != nil {
			return err
		}
	}
	return nil
}

// storeSnapshot stores an uploaded snapshot and answers its ACK: the
// vector of the snapshot the space then holds (this one, or a newer one
// kept). Under DropHistory, it schedules dropping what a new one covers.
func (r *Relay) storeSnapshot(space string, s *hsync.Snapshot) (*hsync.Ack, error) {
	prev, _, _, err := r.cfg.Store.Snapshot(space)
	if err != nil {
		return nil, err
	}
	info, err := r.cfg.Store.PutSnapshot(space, s.Version, s.Chunk, r.cfg.Now())
	if err != nil {
		return nil, err
	}
	if info.Gen != prev.Gen {
		r.cfg.Logger.Info("snapshot stored", "space", space, "bytes", info.Size, "gen", info.Gen, "changes", covered(info.Version))
		r.scheduleDrop(space, info.Gen)
	}
	return &hsync.Ack{ID: s.ID, Version: info.Version}, nil
}

func covered(vv crdt.VersionVector) uint64 {
	var n uint64
	for _, s := range vv {
		n += s
	}
	return n
}

// scheduleDrop drops the changes snapshot gen of space covers, under
// DropHistory, once RetainHistory has passed (at once when it is 0). A
// relay that restarts meanwhile drops them after the next upload.
func (r *Relay) scheduleDrop(space string, gen uint64) {
	if !r.cfg.DropHistory {
		return
	}
	drop := func() {
		if r.ctx.Err() != nil {
			return // shutting down: the store may be closing
		}
		n, err := r.cfg.Store.DropCovered(space, gen)
		if err != nil {
			r.cfg.Logger.Error("drop history", "space", space, "err", err)
			return
		}
		r.cfg.Logger.Info("history dropped", "space", space, "gen", gen, "changes", n)
	}
	if r.cfg.RetainHistory <= 0 {
		drop()
		return
	}
	time.AfterFunc(r.cfg.RetainHistory, drop)
}

// snapshotAssembler returns a reassembler of uploaded SNAPSHOT frames
// within the relay's budget.
func (r *Relay) snapshotAssembler() *hsync.SnapshotAssembler {
	return &hsync.SnapshotAssembler{Lim: r.cfg.Limits, Budget: r.assembly}
}

// sendSnapshot writes the snapshot a session starts with, back to back
// (no ACK between its frames), then counts its changes as the client's.
func (wc *wsConn) sendSnapshot(ctx context.Context, info *SnapshotInfo) error {
	wc.wmu.Lock()
	err := wc.r.snapshotFrames(wc.space, info, func(m hsync.Message) error { return wc.writeLocked(ctx, m) })
	wc.wmu.Unlock()
	if err != nil {
		return err
	}
	wc.mu.Lock()
	wc.sent.Merge(info.Version)
	wc.mu.Unlock()
	return nil
}

// snapshotPiece takes m if it is a piece of an uploaded snapshot (handled)
// and returns the whole snapshot with its last piece. While one is partly
// assembled, any other message is unexpected.
func (wc *wsConn) snapshotPiece(m hsync.Message) (whole *hsync.Snapshot, handled bool, err error) {
	p, ok := m.(*hsync.Snapshot)
	switch {
	case !ok && wc.snapAsm.Busy():
		return nil, true, fmt.Errorf("%w: %T before the last SNAPSHOT piece", hsync.ErrUnexpected, m)
	case !ok:
		return nil, false, nil
	case wc.asm.Busy():
		return nil, true, fmt.Errorf("%w: SNAPSHOT before the last PART of a change", hsync.ErrUnexpected)
	case wc.peer.proto < hsync.SnapshotProtocolVersion || p.ID == 0:
		return nil, true, fmt.Errorf("%w: SNAPSHOT upload with id %d in a version %d session", hsync.ErrUnexpected, p.ID, wc.peer.proto)
	}
	whole, done, err := wc.snapAsm.Add(p)
	if !done {
		whole = nil
	}
	return whole, true, err
}

// storeSnapshot stores an uploaded snapshot and acknowledges it.
func (wc *wsConn) storeSnapshot(ctx context.Context, s *hsync.Snapshot) error {
	ack, err := wc.r.storeSnapshot(wc.space, s)
	if err != nil {
		return pushError{id: s.ID, err: err}
	}
	return wc.write(ctx, ack)
}
