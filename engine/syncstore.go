package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// Per relay and space, StoreMeta keeps what the relay acknowledged (a
// version vector) and the epoch of its storage that the vector refers to,
// under these prefixes and the SyncStore's remote name. A database from
// before remote names kept one vector for all under metaAcked alone; it
// stands in for a remote with none of its own.
const (
	metaAcked = "acked"
	metaEpoch = "epoch"
)

// SyncStore returns the sync.LocalStore view of db that a sync session
// with remote drives; remote names the relay and space (the browser uses
// url + NUL + space), and keeps their acknowledged vectors apart. Its
// methods run under ctx.
func (db *DB) SyncStore(ctx context.Context, remote string) hsync.LocalStore {
	return syncStore{db: db, ctx: ctx, remote: remote}
}

type syncStore struct {
	db     *DB
	ctx    context.Context
	remote string
}

func (s syncStore) key(prefix string) string { return prefix + keySep + s.remote }

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

// ChangesSince implements sync.LocalStore from the change log (log.go,
// logpack.go): for each actor the contiguous run after vv, at most limit
// changes in all. A record is keyed by the last seq it holds, so the first
// one holding a seq >= from is the first key >= LogKey(actor, from).
func (s syncStore) ChangesSince(vv crdt.VersionVector, limit int) ([]hsync.Envelope, error) {
	var out []hsync.Envelope
	err := s.db.locked(s.ctx, func() error {
		have := s.db.replica.Version()
		for _, actor := range have.Actors() {
			from, head := vv.Get(actor)+1, have.Get(actor)
			if from > head || len(out) >= limit {
				continue
			}
			envs, err := s.db.readLog(s.ctx, actor, from, head, limit-len(out))
			if err != nil {
				return err
			}
			out = append(out, envs...)
		}
		return nil
	})
	return out, err
}

// readLog returns actor's changes from seq from on, at most limit, none
// past head. Call it holding the lock.
func (db *DB) readLog(ctx context.Context, actor crdt.ActorID, from, head uint64, limit int) ([]hsync.Envelope, error) {
	keys, err := db.storage.Keys(ctx, StoreLog, LogKey(actor, from), logEnd(actor), false, limit)
	if err != nil {
		return nil, err
	}
	values, err := db.storage.GetMany(ctx, StoreLog, keys)
	if err != nil {
		return nil, err
	}
	var out []hsync.Envelope
	next := from
	for i, key := range keys {
		last, err := logSeq(key)
		if err != nil {
			return nil, err
		}
		payloads, err := decodeLogRecord(values[i])
		if err == nil && uint64(len(payloads)) > last {
			err = fmt.Errorf("log record %q holds %d changes: %w", key, len(payloads), ErrStorage)
		}
		if err != nil {
			return nil, err
		}
		for j, p := range payloads {
			seq := last + 1 - uint64(len(payloads)-j)
			if seq < next || seq > head || len(out) >= limit {
				continue
			}
			if seq > next {
				break // next is missing: reported below
			}
			out = append(out, hsync.Envelope{Actor: actor, Seq: seq, Payload: p})
			next++
		}
		if next <= last && next <= head && len(out) < limit {
			break
		}
	}
	if next <= head && len(out) < limit {
		// Only a log written by an older version, which dropped changes once
		// a relay acknowledged them, lacks one.
		return nil, fmt.Errorf("change %s/%d is no longer in the local log: %w", actor, next, hsync.ErrHistoryMissing)
	}
	return out, nil
}

// logEnd bounds the log keys of actor: keySep (NUL) then 0x01.
func logEnd(actor crdt.ActorID) string { return string(actor) + "\x01" }

// ApplyRemote implements sync.LocalStore: it decodes each payload, checks
// that it is the change its envelope names, and applies them all in one
// storage commit. An envelope that does not decode is left out, as
// DB.ApplyRemote leaves out a change it cannot apply: the others are
// applied, then its error is returned.
func (s syncStore) ApplyRemote(envs []hsync.Envelope) error {
	changes := make([]*crdt.Change, 0, len(envs))
	var bad error
	for _, e := range envs {
		c, err := crdt.DecodeChange(e.Payload)
		switch {
		case err != nil:
			err = fmt.Errorf("change %s/%d: %w", e.Actor, e.Seq, errors.Join(hsync.ErrInvalidChange, ErrInvalidChange, err))
		case c.Actor != e.Actor || c.Seq != e.Seq:
			err = fmt.Errorf("envelope %s/%d carries change %s/%d: %w: %w", e.Actor, e.Seq, c.Actor, c.Seq, hsync.ErrInvalidChange, ErrInvalidChange)
		default:
			changes = append(changes, c)
			continue
		}
		bad = cmp.Or(bad, err)
	}
	err := s.db.ApplyRemote(s.ctx, changes)
	if CodeOf(err) == CodeInvalidChange {
		err = fmt.Errorf("%w: %w", hsync.ErrInvalidChange, err) // the relay's fault, not the storage's
	}
	return cmp.Or(err, bad)
}

// Acked implements sync.LocalStore: the remote's vector, or the one kept
// for every remote before remotes had names.
func (s syncStore) Acked() (crdt.VersionVector, error) {
	got, err := s.db.storage.GetMany(s.ctx, StoreMeta, []string{s.key(metaAcked), metaAcked})
	if err != nil {
		return nil, err
	}
	b := got[0]
	if b == nil {
		b = got[1]
	}
	return decodeAcked(b)
}

// decodeAcked decodes a stored acknowledged vector (nil: none yet).
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

// SetAcked implements sync.LocalStore. It replaces the stored vector:
// the log keeps every change (logpack.go), so a smaller vector, from a
// relay that lost changes or from a tab whose session lags another's,
// only sends again what the relay then acknowledges as replays. It also
// stores it as the database's own (metaAcked), which the pending count
// (DB.Pending) follows from open() on: the relay it last synced with.
func (s syncStore) SetAcked(vv crdt.VersionVector) error {
	b, err := msgpack.Marshal(vv)
	if err != nil {
		return err
	}
	writes := []Write{{Store: StoreMeta, Key: metaAcked, Value: b}}
	if key := s.key(metaAcked); key != metaAcked {
		writes = append(writes, Write{Store: StoreMeta, Key: key, Value: b})
	}
	return s.db.locked(s.ctx, func() error {
		if err := s.db.storage.Commit(s.ctx, writes); err != nil {
			return err
		}
		s.db.acked, s.db.unacked = vv.Clone(), countUnacked(s.db.replica.Version(), vv)
		return nil
	})
}

// Epoch implements sync.LocalStore.
func (s syncStore) Epoch() (string, error) {
	b, err := s.db.storage.Get(s.ctx, StoreMeta, s.key(metaEpoch))
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return string(b), err
}

// SetEpoch implements sync.LocalStore.
func (s syncStore) SetEpoch(epoch string) error { return s.put(s.key(metaEpoch), []byte(epoch)) }

func (s syncStore) put(key string, value []byte) error {
	return s.db.locked(s.ctx, func() error {
		return s.db.storage.Commit(s.ctx, []Write{{Store: StoreMeta, Key: key, Value: value}})
	})
}
