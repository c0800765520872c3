package crdt

// Hot paths write heap structs that hold pointers (operations, splices,
// undo entries, stamps) field by field rather than copying them whole.
// While the collector is marking, which with a transaction's garbage is a
// large part of the time, copying such a struct into the heap goes through
// the runtime's bulk write barrier: it walks the type's pointer bitmap and
// queues every pointer slot, several hundred instructions for an Op. A
// store of one pointer field costs a plain write barrier, a few.

// grow1 extends *s by one element and returns a pointer to it, without
// writing the element. It holds what the backing array held there: zero
// for a slice only ever appended to (growing zeroes the new room), stale
// values for a reused one, whose caller must then set every field.
func grow1[T any](s *[]T) *T {
	if n := len(*s); n < cap(*s) {
		*s = (*s)[:n+1]
	} else {
		var zero T
		*s = append(*s, zero)
	}
	return &(*s)[len(*s)-1]
}

// setStamp stores s into *dst field by field (see above), the actor only
// if it differs: it rarely does, and the store would cost a barrier.
func setStamp(dst *Stamp, s Stamp) {
	dst.HLC, dst.Ctr = s.HLC, s.Ctr
	if dst.Actor != s.Actor {
		dst.Actor = s.Actor
	}
}
