package sync

import "github.com/hearthdb/hearth/crdt"

// LocalStore is what a Session needs from the local replica. The engine
// implements it over its change log; tests implement it in memory. Calls
// come from one goroutine at a time.
type LocalStore interface {
	// Version returns the replica's version vector, counting changes
	// ApplyRemote took that wait, unapplied, for their causal past (the
	// relay sends per actor, not in causal order): the session announces
	// it in HELLO, and a relay sends what it does not cover.
	Version() crdt.VersionVector
	// ChangesSince returns at most limit changes the replica holds that vv
	// does not cover: for each actor a contiguous run starting at
	// vv[actor]+1, in seq order (actors may be interleaved). The replica
	// keeps every change it holds, so that a relay that lost some can be
	// sent them again; one that is missing all the same is an error
	// wrapping ErrHistoryMissing.
	ChangesSince(vv crdt.VersionVector, limit int) ([]Envelope, error)
	// ApplyRemote applies changes received from the relay. The session
	// passes only changes the replica lacks, per actor contiguous with
	// Version(), in seq order; applying must be atomic and idempotent. A
	// change that cannot be decoded or applied wraps ErrInvalidChange;
	// any other error is a storage failure.
	ApplyRemote(changes []Envelope) error
	// Acked returns the persisted version vector of changes the relay has
	// acknowledged as durable (empty for a new replica).
	Acked() (crdt.VersionVector, error)
	// SetAcked persists vv as the acknowledged version vector, so that the
	// pending count survives a restart. It replaces the stored vector,
	// which may shrink: a relay that lost changes acknowledges less.
	SetAcked(vv crdt.VersionVector) error
	// Pending returns how many changes the replica holds that the
	// persisted acknowledged vector does not cover. The session shows it
	// as Status.Pending; the store keeps it current with or without a
	// session, so it should be cheap (the engine keeps a counter).
	Pending() int
	// Epoch returns the persisted epoch of the relay's storage that the
	// acknowledged vector refers to ("" when none is known yet).
	Epoch() (string, error)
	// SetEpoch persists the relay's epoch (see [Welcome.Epoch]).
	SetEpoch(epoch string) error
}
