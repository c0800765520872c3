package sync

// Budget accounts for the memory of changes being assembled from PART
// frames, across sessions: a relay bounds the total so that clients
// cannot make it buffer unbounded data. Reserve fails, with an error to
// send, when n more bytes are not available.
type Budget interface {
	Reserve(n int) error
	Release(n int)
}

// Assembler rebuilds one change at a time from its PART frames, checking
// that they come in order, belong to one change, are not too small, and
// stay within Lim.MaxChange. Its buffer grows with the bytes received,
// never to an announced total up front, so a part claiming a huge change
// costs nothing until its bytes arrive.
type Assembler struct {
	// Lim bounds what it accepts: MaxChange, and MaxFrame for the
	// smallest part but the last (MinPart).
	Lim Limits
	// Budget, if set, is charged for the buffer while a change is partial.
	Budget Budget
	cur    *Part // first part of the change in progress, without chunk
	budgeted
}

// Busy reports whether a change is partly assembled: until its last part
// arrives, no other message may come in that direction.
func (a *Assembler) Busy() bool { return a.cur != nil }

// Add takes the next part. With its change's last part it returns the
// change, the id of its push (0 from a relay) and done = true. An error
// (out of order, another change's part, a short part, a change over
// Lim.MaxChange, or the budget's refusal) drops the partial change.
func (a *Assembler) Add(p *Part) (env Envelope, id uint64, done bool, err error) {
	if err := a.check(p); err != nil {
		a.Reset()
		return env, 0, false, err
	}
	if a.cur == nil {
		a.cur = &Part{ID: p.ID, Actor: p.Actor, Seq: p.Seq, Total: p.Total}
	}
	if err := a.grow(len(p.Chunk)); err != nil {
		a.Reset()
		return env, 0, false, err
	}
	a.buf = append(a.buf, p.Chunk...)
	if uint64(len(a.buf)) < a.cur.Total {
		return env, 0, false, nil
	}
	env, id = Envelope{Actor: a.cur.Actor, Seq: a.cur.Seq, Payload: a.buf}, a.cur.ID
	a.buf = nil // handed over: the next change gets its own buffer
	a.Reset()
	return env, id, true, nil
}

func (a *Assembler) check(p *Part) error {
	lim := a.Lim.WithDefaults()
	end := p.Offset + uint64(len(p.Chunk))
	switch {
	case p.Total > uint64(lim.MaxChange):
		return tooLarge("change %s:%d of %d bytes, limit %d", p.Actor, p.Seq, p.Total, lim.MaxChange)
	case len(p.Chunk) == 0 || p.Offset > p.Total || end > p.Total:
		return malformed("part [%d, +%d) of a %d-byte change", p.Offset, len(p.Chunk), p.Total)
	case end < p.Total && len(p.Chunk) < minPart(lim.MaxFrame):
		return malformed("part of %d bytes before the last, minimum %d", len(p.Chunk), minPart(lim.MaxFrame))
	case a.cur == nil && p.Offset != 0:
		return malformed("change %s:%d starts at offset %d", p.Actor, p.Seq, p.Offset)
	case a.cur == nil:
		return nil
	case p.ID != a.cur.ID || p.Actor != a.cur.Actor || p.Seq != a.cur.Seq || p.Total != a.cur.Total:
		return malformed("part of %s:%d while %s:%d is incomplete", p.Actor, p.Seq, a.cur.Actor, a.cur.Seq)
	case p.Offset != uint64(len(a.buf)):
		return malformed("part at offset %d, want %d", p.Offset, len(a.buf))
	}
	return nil
}

// grow makes room for n more bytes of the change in progress.
func (a *Assembler) grow(n int) error { return a.budgeted.grow(a.Budget, n, a.cur.Total) }

// Reset drops a partial change and returns its memory to the budget.
func (a *Assembler) Reset() {
	a.release(a.Budget)
	a.cur = nil
}

// budgeted is a buffer whose capacity is charged to a Budget while it is
// filled (a change's parts, a snapshot's pieces).
type budgeted struct {
	buf  []byte
	held int // bytes reserved from the Budget
}

// grow makes room for n more bytes, doubling up to total and charging b
// (if not nil) for the new capacity.
func (g *budgeted) grow(b Budget, n int, total uint64) error {
	need := len(g.buf) + n
	if need <= cap(g.buf) {
		return nil
	}
	size := min(int(total), max(need, 2*cap(g.buf)))
	if b != nil {
		if err := b.Reserve(size - g.held); err != nil {
			return err
		}
		g.held = size
	}
	buf := make([]byte, len(g.buf), size)
	copy(buf, g.buf)
	g.buf = buf
	return nil
}

// release drops the buffer and returns its memory to b.
func (g *budgeted) release(b Budget) {
	if b != nil && g.held > 0 {
		b.Release(g.held)
	}
	g.buf, g.held = nil, 0
}
