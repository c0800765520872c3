package simtest

import (
	"context"
	"errors"
	"math/rand/v2"
	gosync "sync"
	"time"

	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

var (
	errPartition = errors.New("simtest: partitioned from the relay")
	errCut       = errors.New("simtest: connection cut")
	errLost      = errors.New("simtest: request or response lost")
)

// link is a replica's network: it dials the relay's WebSocket through
// fault-injecting connections, or carries its HTTP-binding requests to
// the relay in process, injecting faults at the rates of the schedule.
// Its random draws come from one source seeded by the schedule: which
// frame meets which draw depends on goroutine timing, the rates do not.
type link struct {
	w      *world
	f      faults
	mu     gosync.Mutex
	rnd    *rand.Rand
	cut    bool                    // partitioned
	conns  map[*faultConn]struct{} // open WebSocket connections
	stash  [][]byte                // request bodies that will arrive again (evStale)
	healed bool                    // no more faults
}

func newLink(w *world, f faults, seed uint64, i int) *link {
	return &link{w: w, f: f, rnd: rand.New(rand.NewPCG(seed, uint64(i)+1)), conns: map[*faultConn]struct{}{}}
}

// hit draws a fault of rate pct (percent).
func (l *link) hit(pct int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.healed && pct > 0 && l.rnd.IntN(100) < pct
}

func (l *link) partitioned() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}

// setPartition cuts the replica off (closing its connections) or lets it
// reach the relay again.
func (l *link) setPartition(on bool) {
	l.mu.Lock()
	l.cut = on
	l.mu.Unlock()
	if on {
		l.cutAll()
	}
}

// cutAll breaks every open connection.
func (l *link) cutAll() {
	l.mu.Lock()
	conns := make([]*faultConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// heal ends every fault for the final phase.
func (l *link) heal() {
	l.mu.Lock()
	l.cut, l.healed, l.stash = false, true, nil
	l.mu.Unlock()
}

// Dial is the replica's sync.Dialer.
func (l *link) Dial(ctx context.Context) (hsync.Transport, error) {
	if l.partitioned() {
		return nil, errPartition
	}
	t, err := relay.Dial(ctx, l.w.wsURL)
	if err != nil {
		return nil, err
	}
	count("ws dial")
	c := &faultConn{Transport: t, l: l}
	l.mu.Lock()
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	return c, nil
}

// faultConn is one WebSocket connection under faults. WebSocket frames
// arrive in order or not at all, so a lost frame breaks the connection
// (as a dropped TCP connection loses what was in flight); duplicates and
// reorders happen through reconnects that send again, and on HTTP.
type faultConn struct {
	hsync.Transport
	l     *link
	again []byte // a frame to deliver a second time
}

func (c *faultConn) fault() error {
	if c.l.partitioned() {
		c.Close()
		return errPartition
	}
	if c.l.hit(c.l.f.Cut) {
		count("ws frame lost")
		c.Close()
		return errCut
	}
	if c.l.hit(c.l.f.Delay) {
		count("ws frame delayed")
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
	}
	return nil
}

// Send loses the frame (and the connection) on a fault.
func (c *faultConn) Send(ctx context.Context, frame []byte) error {
	if err := c.fault(); err != nil {
		return err
	}
	return c.Transport.Send(ctx, frame)
}

// Recv loses a frame the relay sent (and the connection) on a fault, or
// delivers it twice, as a relay that replays would. Recv has one caller
// at a time.
func (c *faultConn) Recv(ctx context.Context) ([]byte, error) {
	if f := c.again; f != nil {
		c.again = nil
		return f, nil
	}
	frame, err := c.Transport.Recv(ctx)
	if err != nil {
		return nil, err
	}
	if c.l.hit(c.l.f.Again) {
		count("ws frame from the relay replayed")
		c.again = frame
	}
	return frame, c.fault()
}

// Close closes the connection and forgets it.
func (c *faultConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Transport.Close()
}

// Poll implements sync.Poller over the in-process relay: a request may
// be lost on the way, reach the relay twice, be kept to reach it again
// later, or have its response lost.
func (l *link) Poll(ctx context.Context, body []byte, wait time.Duration) ([]byte, error) {
	if l.partitioned() {
		return nil, errPartition
	}
	count("http request")
	if l.hit(l.f.Lose) {
		count("http request lost")
		return nil, errLost
	}
	if l.hit(l.f.Stash) {
		l.mu.Lock()
		count("http request kept for later")
		if len(l.stash) < 8 {
			l.stash = append(l.stash, append([]byte(nil), body...))
		}
		l.mu.Unlock()
	}
	if l.hit(l.f.Dup) {
		// Two copies race at the relay; the other copy's answer is lost.
		count("http request duplicated")
		raced := make(chan struct{})
		go func() {
			defer close(raced)
			_, _ = l.w.post(context.Background(), body, 0)
		}()
		defer func() { <-raced }()
	}
	resp, err := l.w.post(ctx, body, wait)
	if err == nil && l.hit(l.f.Drop) {
		count("http response lost")
		return nil, errLost
	}
	return resp, err
}

// deliverStale posts one kept request again, as a request that raced the
// later ones and arrived last; its answer goes nowhere.
func (l *link) deliverStale(pick uint64) {
	l.mu.Lock()
	if len(l.stash) == 0 {
		l.mu.Unlock()
		return
	}
	i := int(pick % uint64(len(l.stash)))
	body := l.stash[i]
	l.stash = append(l.stash[:i], l.stash[i+1:]...)
	l.mu.Unlock()
	count("http stale request delivered")
	_, _ = l.w.post(context.Background(), body, 0)
}
