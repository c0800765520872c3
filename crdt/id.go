package crdt

import "fmt"

// ID names one operation, or one element of a list or text, globally: the
// actor that created it and that actor's operation counter. Every actor
// numbers its operations from 1 upwards without reuse; an insertion of n
// elements uses n consecutive counters. The zero ID means "none" (for
// example the start or end of a sequence, or a document's root map).
type ID struct {
	Actor ActorID
	Ctr   uint64
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id.Actor == "" && id.Ctr == 0 }

// String formats id as ctr@actor.
func (id ID) String() string { return fmt.Sprintf("%d@%s", id.Ctr, id.Actor) }

// add returns the ID k counters after id (same actor).
func (id ID) add(k int) ID { return ID{id.Actor, id.Ctr + uint64(k)} }
