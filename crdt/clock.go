package crdt

import (
	"math"
	"time"
)

// HLC is a hybrid logical clock reading: wall-clock milliseconds since the
// Unix epoch, plus a logical counter that orders readings within one
// millisecond and readings taken while the wall clock lags behind a clock
// already observed.
type HLC struct {
	Wall    int64
	Logical uint32
}

// Compare returns -1, 0 or +1 as h is before, equal to or after o.
func (h HLC) Compare(o HLC) int {
	switch {
	case h.Wall < o.Wall:
		return -1
	case h.Wall > o.Wall:
		return 1
	case h.Logical < o.Logical:
		return -1
	case h.Logical > o.Logical:
		return 1
	}
	return 0
}

// Stamp totally orders writes: by HLC, then by actor, then by the per-actor
// operation counter (which orders the operations of one change).
type Stamp struct {
	HLC
	Actor ActorID
	Ctr   uint64
}

// Compare returns -1, 0 or +1 as s is ordered before, equal to or after o.
func (s Stamp) Compare(o Stamp) int {
	if c := s.HLC.Compare(o.HLC); c != 0 {
		return c
	}
	switch {
	case s.Actor < o.Actor:
		return -1
	case s.Actor > o.Actor:
		return 1
	case s.Ctr < o.Ctr:
		return -1
	case s.Ctr > o.Ctr:
		return 1
	}
	return 0
}

// IsZero reports whether s is the zero stamp (ordered before every write).
func (s Stamp) IsZero() bool { return s == Stamp{} }

// hlcClock produces monotonically increasing HLC readings from an injected
// wall clock.
type hlcClock struct {
	now  func() time.Time
	last HLC
}

// tick returns a reading greater than every reading returned or observed.
func (c *hlcClock) tick() HLC {
	pt := c.now().UnixMilli()
	switch {
	case pt > c.last.Wall:
		c.last = HLC{Wall: pt}
	case c.last.Logical == math.MaxUint32:
		c.last = HLC{Wall: c.last.Wall + 1}
	default:
		c.last.Logical++
	}
	return c.last
}

// observe makes later ticks greater than a remote reading.
func (c *hlcClock) observe(h HLC) {
	if h.Compare(c.last) > 0 {
		c.last = h
	}
}
