package synctest

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// SnapStore is a MemStore that also takes and makes snapshots
// (sync.SnapshotStore), so a session over it speaks protocol version 3.
// Its snapshot is opaque to the relay like any: here the msgpack of every
// payload it holds, per actor, which ApplySnapshot adds to the log.
type SnapStore struct {
	*MemStore
	// Applied counts the snapshots ApplySnapshot took.
	Applied int
}

var _ hsync.SnapshotStore = (*SnapStore)(nil)

// NewSnapStore returns an empty replica whose local changes use actor.
func NewSnapStore(actor crdt.ActorID) *SnapStore { return &SnapStore{MemStore: NewMemStore(actor)} }

// Snapshot implements sync.SnapshotStore.
func (s *SnapStore) Snapshot() (crdt.VersionVector, []byte, error) {
	vv := s.Version()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := msgpack.Marshal(s.log)
	return vv, b, err
}

// ApplySnapshot implements sync.SnapshotStore: it checks that the
// snapshot covers exactly vv and adds what the log lacks.
func (s *SnapStore) ApplySnapshot(vv crdt.VersionVector, data []byte) error {
	var log map[crdt.ActorID][][]byte
	if err := msgpack.Unmarshal(data, &log); err != nil {
		return fmt.Errorf("%w: %w", hsync.ErrInvalidChange, err)
	}
	got := crdt.VersionVector{}
	for a, l := range log {
		if len(l) > 0 {
			got[a] = uint64(len(l))
		}
	}
	if !got.Equal(vv) {
		return fmt.Errorf("%w: snapshot covers %v, announced %v", hsync.ErrInvalidChange, got, vv)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, l := range log {
		if len(l) > len(s.log[a]) {
			s.log[a] = append(s.log[a], l[len(s.log[a]):]...)
		}
	}
	s.Applied++
	return nil
}
