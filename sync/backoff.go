package sync

import (
	"math/rand/v2"
	"time"
)

// Backoff computes the waits between retries: exponential from Base,
// doubling per attempt up to Max, with "equal jitter" (a uniform draw from
// [d/2, d]) so that clients a relay dropped together do not return in
// lockstep, while every wait stays at least half the nominal one.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns a uniform value in [0, n); nil means math/rand/v2's
	// Int64N. Tests inject a fixed one.
	Rand func(n int64) int64
}

// DefaultBackoff is the backoff of a Session whose Config.Backoff is nil:
// 125–250 ms after the first failure, growing to 15–30 s.
var DefaultBackoff = Backoff{Base: 250 * time.Millisecond, Max: 30 * time.Second}

// Delay returns the wait before retry attempt n (counted from 0).
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Base
	for i := 0; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if d <= 0 {
		return 0
	}
	n := rand.Int64N
	if b.Rand != nil {
		n = b.Rand
	}
	half := int64(d / 2)
	return time.Duration(half + n(int64(d)-half+1))
}
