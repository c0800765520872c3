package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// metaAcked holds the version vector the relay has acknowledged as durable.
const metaAcked = "acked"

// SyncStore returns the sync.LocalStore view of db that a sync session
// drives. Its methods run under ctx.
func (db *DB) SyncStore(ctx context.Context) hsync.LocalStore {
	return syncStore{db: db, ctx: ctx}
}

type syncStore struct {
	db  *DB
	ctx context.Context
}

// Version implements sync.LocalStore: the changes the replica holds,
// counting the remote ones it keeps unapplied until their causal past
// arrives (ApplyRemote). A relay sends changes per actor, not in causal
// order, so a batch may end before what its changes depend on; without
// them the client would announce less than it holds, and a relay would
// answer with the same batch for ever (HTTP) or go on with the next one,
// which the session refuses as a seq gap (WebSocket). A storage failure
// reports an empty vector, which only makes the relay send more than
// needed.
func (s syncStore) Version() crdt.VersionVector {
	var v crdt.VersionVector
	err := s.db.locked(s.ctx, func() error {
		v = withWaiting(s.db.replica.Version(), s.db.pending)
		return nil
	})
	if err != nil {
		return crdt.VersionVector{}
	}
	return v
}

// withWaiting returns v extended by the changes of waiting that continue
// it per actor without a gap.
func withWaiting(v crdt.VersionVector, waiting []*crdt.Change) crdt.VersionVector {
	v = v.Clone()
	seqs := map[crdt.ActorID]map[uint64]bool{}
	for _, c := range waiting {
		if c != nil && c.Seq > v.Get(c.Actor) {
			if seqs[c.Actor] == nil {
				seqs[c.Actor] = map[uint64]bool{}
			}
			seqs[c.Actor][c.Seq] = true
		}
	}
	for a, has := range seqs {
		for has[v.Get(a)+1] {
			v[a] = v.Get(a) + 1
		}
	}
	return v
}

// ChangesSince implements sync.LocalStore from the change log (log.go):
// for each actor the contiguous run after vv, at most limit changes in all.
func (s syncStore) ChangesSince(vv crdt.VersionVector, limit int) ([]hsync.Envelope, error) {
	var out []hsync.Envelope
	err := s.db.locked(s.ctx, func() error {
		have := s.db.replica.Version()
		for _, actor := range have.Actors() {
			from := vv.Get(actor) + 1
			if from > have.Get(actor) || len(out) >= limit {
				continue
			}
			kvs, err := s.db.storage.Scan(s.ctx, StoreLog, string(actor)+keySep)
			if err != nil {
				return err
			}
			next := from
			for _, kv := range kvs {
				if len(out) >= limit {
					break
				}
				last, err := logSeq(kv.Key)
				if err != nil || last < next {
					continue
				}
				payloads, err := decodeLogRecord(kv.Value)
				if err == nil && uint64(len(payloads)) > last {
					err = fmt.Errorf("log record %q holds %d changes: %w", kv.Key, len(payloads), ErrStorage)
				}
				if err != nil {
					return err
				}
				for i, p := range payloads {
					seq := last + 1 - uint64(len(payloads)-i)
					if seq < next || len(out) >= limit {
						continue
					}
					if seq > next {
						return fmt.Errorf("change %s/%d is no longer in the log (compacted after the relay acknowledged it): %w", actor, next, ErrStorage)
					}
					out = append(out, hsync.Envelope{Actor: actor, Seq: seq, Payload: p})
					next++
				}
			}
		}
		return nil
	})
	return out, err
}

// ApplyRemote implements sync.LocalStore: it decodes each payload, checks
// that it is the change its envelope names, and applies them all in one
// storage commit.
func (s syncStore) ApplyRemote(envs []hsync.Envelope) error {
	changes := make([]*crdt.Change, len(envs))
	for i, e := range envs {
		c, err := crdt.DecodeChange(e.Payload)
		if err != nil {
			return fmt.Errorf("change %s/%d: %w", e.Actor, e.Seq, errors.Join(hsync.ErrInvalidChange, ErrInvalidChange, err))
		}
		if c.Actor != e.Actor || c.Seq != e.Seq {
			return fmt.Errorf("envelope %s/%d carries change %s/%d: %w: %w", e.Actor, e.Seq, c.Actor, c.Seq, hsync.ErrInvalidChange, ErrInvalidChange)
		}
		changes[i] = c
	}
	err := s.db.ApplyRemote(s.ctx, changes)
	if CodeOf(err) == CodeInvalidChange {
		err = fmt.Errorf("%w: %w", hsync.ErrInvalidChange, err) // the relay's fault, not the storage's
	}
	return err
}

// Acked implements sync.LocalStore.
func (s syncStore) Acked() (crdt.VersionVector, error) {
	b, err := s.db.storage.Get(s.ctx, StoreMeta, metaAcked)
	if errors.Is(err, ErrNotFound) {
		return crdt.VersionVector{}, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeAcked(b)
}

// decodeAcked decodes a stored metaAcked (nil: none yet).
func decodeAcked(b []byte) (crdt.VersionVector, error) {
	v := crdt.VersionVector{}
	if b == nil {
		return v, nil
	}
	if err := msgpack.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("stored acked version: %w", errors.Join(ErrStorage, err))
	}
	return v, nil
}

// countUnacked returns how many changes of have acked does not cover.
func countUnacked(have, acked crdt.VersionVector) int {
	n := 0
	for a, seq := range have {
		if seq > acked[a] {
			n += int(seq - acked[a])
		}
	}
	return n
}

// Pending implements sync.LocalStore: see DB.Pending.
func (s syncStore) Pending() int { return s.db.Pending() }

// Pending returns how many changes this database holds that the relay has
// not acknowledged as durable (by the acknowledged vector this tab last
// read or wrote), connected or not. It is a counter kept as changes enter
// the log (queueLog) and as acknowledgements arrive (SetAcked), so it
// costs nothing to ask.
func (db *DB) Pending() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.unacked
}

// SetAcked implements sync.LocalStore. The stored vector only grows (two
// tabs' sessions may race). It also compacts the log: a record whose
// changes the relay holds durably need not be kept here, so the log stays
// as small as what is still pending.
func (s syncStore) SetAcked(vv crdt.VersionVector) error {
	return s.db.locked(s.ctx, func() error {
		stored, err := s.Acked()
		if err != nil {
			return err
		}
		vv = vv.Clone()
		vv.Merge(stored)
		b, err := msgpack.Marshal(vv)
		if err != nil {
			return err
		}
		writes := []Write{{Store: StoreMeta, Key: metaAcked, Value: b}}
		for _, actor := range vv.Actors() {
			kvs, err := s.db.storage.Scan(s.ctx, StoreLog, string(actor)+keySep)
			if err != nil {
				return err
			}
			for _, kv := range kvs {
				if seq, err := logSeq(kv.Key); err == nil && seq <= vv.Get(actor) {
					writes = append(writes, Write{Store: StoreLog, Key: kv.Key})
				}
			}
		}
		if err := s.db.storage.Commit(s.ctx, writes); err != nil {
			return err
		}
		s.db.acked, s.db.unacked = vv, countUnacked(s.db.replica.Version(), vv)
		return nil
	})
}
