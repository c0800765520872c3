package crdt

import "fmt"

// Apply applies changes received from other replicas, in any order and
// with duplicates: a change already applied is skipped, a change whose
// causal dependencies are missing waits until they arrive (in this or a
// later call). It returns what changed. On error the offending change is
// dropped, the changes before it stay applied, and the patch covers them.
func (r *Replica) Apply(changes ...*Change) (*Patch, error) {
	r.dropOwn() // a change may be the local actor's, from another copy of it
	r.pb.reset()
	for _, c := range changes {
		if err := r.receive(c); err != nil {
			return r.pb.finish(), err
		}
	}
	return r.pb.finish(), nil
}

func (r *Replica) receive(c *Change) error {
	if err := checkShape(c); err != nil {
		return err
	}
	if c.Seq <= r.version[c.Actor] {
		return nil
	}
	if !r.ready(c) {
		m := r.pending[c.Actor]
		if m == nil {
			m = map[uint64]*Change{}
			r.pending[c.Actor] = m
		}
		m[c.Seq] = c
		return nil
	}
	if m := r.pending[c.Actor]; m != nil {
		delete(m, c.Seq) // an earlier copy waiting in the buffer
	}
	if err := r.applyChange(c); err != nil {
		return err
	}
	return r.drain()
}

func (r *Replica) ready(c *Change) bool {
	if c.Seq != r.version[c.Actor]+1 {
		return false
	}
	for a, s := range c.Deps {
		if a != c.Actor && r.version[a] < s {
			return false
		}
	}
	return true
}

// drain applies buffered changes that became ready.
func (r *Replica) drain() error {
	for progress := true; progress; {
		progress = false
		for a, m := range r.pending {
			c := m[r.version[a]+1]
			if c != nil && r.ready(c) {
				delete(m, c.Seq)
				if err := r.applyChange(c); err != nil {
					return err
				}
				progress = true
			}
			if len(m) == 0 {
				delete(r.pending, a)
			}
		}
	}
	return nil
}

// applyOps applies c's operations, each with its ID and stamp, as one
// step: if one fails, the step is rolled back. It returns the counter
// after the last operation.
func (r *Replica) applyOps(c *Change) (uint64, error) {
	r.beginStep()
	ctr := c.StartCtr
	for i := range c.Ops {
		op := &c.Ops[i]
		if op.Coll == "" || op.Doc == "" {
			r.rollback()
			return 0, fmt.Errorf("%w: op %d has no document", ErrInvalidChange, i)
		}
		st := Stamp{HLC: c.HLC, Actor: c.Actor, Ctr: ctr}
		if err := r.applyOp(r.docFor(op.Coll, op.Doc), op, ID{c.Actor, ctr}, st); err != nil {
			r.rollback()
			return 0, fmt.Errorf("%s seq %d op %d: %w", c.Actor, c.Seq, i, err)
		}
		ctr += op.width()
	}
	r.undo.reset()
	return ctr, nil
}

// applyChange applies a ready change atomically.
func (r *Replica) applyChange(c *Change) error {
	if c.StartCtr < r.nextCtr[c.Actor] {
		return fmt.Errorf("%w: %s seq %d reuses counter %d", ErrInvalidChange, c.Actor, c.Seq, c.StartCtr)
	}
	ctr, err := r.applyOps(c)
	if err != nil {
		return err
	}
	r.clock.observe(c.HLC)
	r.nextCtr[c.Actor] = ctr
	r.record(c)
	return r.strictCheck()
}
