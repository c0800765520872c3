package crdt

import "fmt"

// Replay applies changes to the documents their operations address, without
// the causal bookkeeping of Apply: no version vector check or update, no
// change log, no patch. It is for a host that stores a document as a
// snapshot (EncodeDoc) plus the changes made to it since, which the
// replica's version vector already counts: loading the document is LoadDoc
// of the snapshot, then Replay of those changes in the order they were
// applied. A change here may hold only part of an original change's
// operations (those of one document), with StartCtr the counter of its
// first operation. On error the failing change is rolled back and the
// ones before it stay applied.
func (r *Replica) Replay(changes ...*Change) error {
	r.dropOwn() // a change may be the local actor's, raising its counter
	r.shape++   // documents change under what lastTarget remembers
	for _, c := range changes {
		if err := checkShape(c); err != nil {
			return err
		}
		ctr, err := r.applyOps(c)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		if r.nextCtr[c.Actor] < ctr {
			r.nextCtr[c.Actor] = ctr
		}
	}
	r.pb.reset()
	return r.strictCheck()
}

// DocParts splits c into one change per document it touches, in order of
// first touch: each holds the runs of c's operations on that document
// (one change per run, with StartCtr the counter of the run's first
// operation), so that Replay of a document's parts on its snapshot
// rebuilds exactly what c did to it.
func (c *Change) DocParts() map[[2]string][]*Change {
	out := map[[2]string][]*Change{}
	ctr := c.StartCtr
	var cur *Change
	for i := range c.Ops {
		op := c.Ops[i]
		k := [2]string{op.Coll, op.Doc}
		if cur == nil || cur.Ops[0].Coll != op.Coll || cur.Ops[0].Doc != op.Doc {
			cur = &Change{Actor: c.Actor, Seq: c.Seq, Deps: c.Deps, HLC: c.HLC, StartCtr: ctr}
			out[k] = append(out[k], cur)
		}
		cur.Ops = append(cur.Ops, op)
		ctr += op.width()
	}
	return out
}
