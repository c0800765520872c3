// Package synctest holds test helpers for package sync: an in-memory
// LocalStore. It is imported only by tests and benchmarks.
package synctest

import (
	"bytes"
	"fmt"
	"sort"
	gosync "sync"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// MemStore is an in-memory sync.LocalStore: a change log per actor plus the
// acknowledged version vector. It is safe for concurrent use.
type MemStore struct {
	mu    gosync.Mutex
	actor crdt.ActorID
	log   map[crdt.ActorID][][]byte // log[a][seq-1] = payload
	acked crdt.VersionVector
	epoch string
}

var _ hsync.LocalStore = (*MemStore)(nil)

// NewMemStore returns an empty replica whose local changes use actor.
func NewMemStore(actor crdt.ActorID) *MemStore {
	return &MemStore{actor: actor, log: map[crdt.ActorID][][]byte{}, acked: crdt.VersionVector{}}
}

// Write commits a local change with payload and returns its envelope.
func (m *MemStore) Write(payload []byte) hsync.Envelope {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log[m.actor] = append(m.log[m.actor], payload)
	return hsync.Envelope{Actor: m.actor, Seq: uint64(len(m.log[m.actor])), Payload: payload}
}

// Version implements sync.LocalStore.
func (m *MemStore) Version() crdt.VersionVector {
	m.mu.Lock()
	defer m.mu.Unlock()
	vv := crdt.VersionVector{}
	for a, l := range m.log {
		if len(l) > 0 {
			vv[a] = uint64(len(l))
		}
	}
	return vv
}

// ChangesSince implements sync.LocalStore (actors in sorted order).
func (m *MemStore) ChangesSince(vv crdt.VersionVector, limit int) ([]hsync.Envelope, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	actors := make([]crdt.ActorID, 0, len(m.log))
	for a := range m.log {
		actors = append(actors, a)
	}
	sort.Slice(actors, func(i, j int) bool { return actors[i] < actors[j] })
	var out []hsync.Envelope
	for _, a := range actors {
		for seq := vv[a] + 1; seq <= uint64(len(m.log[a])) && len(out) < limit; seq++ {
			out = append(out, hsync.Envelope{Actor: a, Seq: seq, Payload: m.log[a][seq-1]})
		}
	}
	return out, nil
}

// ApplyRemote implements sync.LocalStore; it rejects gaps.
func (m *MemStore) ApplyRemote(envs []hsync.Envelope) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range envs {
		switch have := uint64(len(m.log[e.Actor])); {
		case e.Seq <= have:
		case e.Seq == have+1:
			m.log[e.Actor] = append(m.log[e.Actor], e.Payload)
		default:
			return fmt.Errorf("%w: %s:%d after %d", hsync.ErrSeqGap, e.Actor, e.Seq, have)
		}
	}
	return nil
}

// Acked implements sync.LocalStore.
func (m *MemStore) Acked() (crdt.VersionVector, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.acked.Clone(), nil
}

// SetAcked implements sync.LocalStore.
func (m *MemStore) SetAcked(vv crdt.VersionVector) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acked = vv.Clone()
	return nil
}

// Pending implements sync.LocalStore.
func (m *MemStore) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for a, l := range m.log {
		if have := uint64(len(l)); have > m.acked[a] {
			n += int(have - m.acked[a])
		}
	}
	return n
}

// Epoch implements sync.LocalStore.
func (m *MemStore) Epoch() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.epoch, nil
}

// SetEpoch implements sync.LocalStore.
func (m *MemStore) SetEpoch(epoch string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.epoch = epoch
	return nil
}

// Same reports whether m and o hold the same changes with equal payloads.
func (m *MemStore) Same(o *MemStore) bool {
	if !m.Version().Equal(o.Version()) {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	for a, l := range m.log {
		for i := range l {
			if !bytes.Equal(l[i], o.log[a][i]) {
				return false
			}
		}
	}
	return true
}
