package crdt

import "slices"

// ActorID identifies one replica (a browser profile's copy of one database,
// or a native process). It is random, persisted by the storage layer, and
// compared as a plain string when clocks tie.
type ActorID string

// VersionVector maps each actor to the highest seq of that actor's changes
// that a replica holds contiguously from 1. A missing actor means 0.
type VersionVector map[ActorID]uint64

// Get returns the highest contiguous seq held for actor (0 if none).
func (v VersionVector) Get(actor ActorID) uint64 { return v[actor] }

// Includes reports whether the change (actor, seq) is covered by v.
func (v VersionVector) Includes(actor ActorID, seq uint64) bool { return seq <= v[actor] }

// Clone returns an independent copy of v.
func (v VersionVector) Clone() VersionVector {
	out := make(VersionVector, len(v))
	for a, s := range v {
		out[a] = s
	}
	return out
}

// Merge raises every entry of v to at least the matching entry of other.
func (v VersionVector) Merge(other VersionVector) {
	for a, s := range other {
		if s > v[a] {
			v[a] = s
		}
	}
}

// Dominates reports whether v covers every change that other covers.
func (v VersionVector) Dominates(other VersionVector) bool {
	for a, s := range other {
		if v[a] < s {
			return false
		}
	}
	return true
}

// Equal reports whether v and other cover exactly the same changes.
func (v VersionVector) Equal(other VersionVector) bool {
	return v.Dominates(other) && other.Dominates(v)
}

// Actors returns the actors with a non-zero entry, sorted, so that encodings
// and iteration are deterministic.
func (v VersionVector) Actors() []ActorID {
	out := make([]ActorID, 0, len(v))
	for a, s := range v {
		if s > 0 {
			out = append(out, a)
		}
	}
	if len(out) > 1 {
		slices.Sort(out)
	}
	return out
}
