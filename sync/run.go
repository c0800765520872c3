package sync

import (
	"context"
	"errors"
	"time"
)

// Transport moves whole frames over one connection (a WebSocket in the
// browser, an in-memory pipe or a native WebSocket in tests). Send may be
// called while Recv is blocked on another goroutine.
type Transport interface {
	// Send writes one frame.
	Send(ctx context.Context, frame []byte) error
	// Recv returns the next frame.
	Recv(ctx context.Context) ([]byte, error)
	// Close ends the connection and unblocks Recv.
	Close() error
}

// Dialer opens a new connection to the relay.
type Dialer func(ctx context.Context) (Transport, error)

// Notify tells the session that the replica committed local changes. Under
// Run they are pushed at once; while offline only the pending count moves.
// Notify never blocks, so it may be called from inside LocalStore methods
// (say, a commit hook that ApplyRemote triggers).
func (s *Session) Notify() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
	if s.mu.TryLock() {
		s.refreshAndEmit()
		return
	}
	go func() { // the lock is busy, maybe held by our own caller
		s.mu.Lock()
		s.refreshAndEmit()
	}()
}

// refreshAndEmit updates the status with s.mu held, unlocks, and emits.
func (s *Session) refreshAndEmit() {
	_ = s.refreshLocked(nil)
	s.mu.Unlock()
	s.emit()
}

// Run keeps the session connected until ctx ends: it fetches a token if
// it holds none (Config.Token), dials, runs the protocol over the
// transport, and on any error disconnects and tries again after
// Config.Backoff. It returns ctx.Err(), or a permanent error (see
// [Stopped]) that it gave up on; the status keeps it as LastError.
func (s *Session) Run(ctx context.Context, dial Dialer) error {
	attempt := 0
	for {
		before := s.progressCount()
		err := s.fetchToken()
		if err == nil {
			err = s.runOnce(ctx, dial)
		}
		if ctx.Err() != nil {
			s.Disconnect(nil)
			return ctx.Err()
		}
		s.Disconnect(err)
		if Stopped(err) {
			return err
		}
		if s.progressCount() != before && !errors.Is(err, ErrHistoryMissing) { // the next WELCOME would not fix it
			attempt = 0
		}
		if !s.sleep(ctx, attempt) {
			return ctx.Err()
		}
		attempt++
	}
}

// Stopped reports whether err ends syncing for good instead of a retry:
// a seq_conflict, which every new connection would meet again. The local
// changes stay in the log and in the pending count.
func Stopped(err error) bool { return errors.Is(err, ErrSeqConflict) }

// progressCount returns s.progress: a connection that moved it (an ACK,
// changes received, Synced reached) restarts the backoff. A WELCOME alone
// does not, or a relay that fails every connection right after its
// WELCOME would be retried a few times a second for ever.
func (s *Session) progressCount() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}

// sleep waits for the backoff of attempt; it reports false if ctx ended
// first.
func (s *Session) sleep(ctx context.Context, attempt int) bool {
	select {
	case <-s.after(s.backoff(attempt)):
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Session) after(d time.Duration) <-chan time.Time {
	if s.cfg.After != nil {
		return s.cfg.After(d)
	}
	return time.After(d)
}

func (s *Session) backoff(attempt int) time.Duration {
	if s.cfg.Backoff != nil {
		return s.cfg.Backoff(attempt)
	}
	return DefaultBackoff.Delay(attempt)
}

// runOnce runs one connection until it fails. Frames go out through a
// writer goroutine so that a blocked Send never stops the loop from
// draining incoming frames (which could deadlock both peers on full socket
// buffers). The queue never fills: the session emits at most HELLO plus
// Window pushes awaiting ACK.
func (s *Session) runOnce(ctx context.Context, dial Dialer) error {
	t, err := dial(ctx)
	if err != nil {
		return err
	}
	defer t.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan []byte, s.cfg.Window+1+MaxParts(s.cfg.Limits)) // a push in parts is many frames
	in := make(chan []byte)
	errc := make(chan error, 2)
	go readLoop(ctx, t, in, errc)
	go writeLoop(ctx, t, out, errc)
	frames, err := s.Connect()
	for {
		if err != nil {
			return err
		}
		for _, f := range frames {
			out <- f
		}
		select {
		case f := <-in:
			frames, err = s.Receive(f)
		case <-s.kick:
			frames, err = s.Flush()
		case err = <-errc:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
}

func writeLoop(ctx context.Context, t Transport, out <-chan []byte, errc chan<- error) {
	for {
		select {
		case f := <-out:
			if err := t.Send(ctx, f); err != nil {
				errc <- err
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func readLoop(ctx context.Context, t Transport, in chan<- []byte, errc chan<- error) {
	for {
		f, err := t.Recv(ctx)
		if err != nil {
			errc <- err
			return
		}
		select {
		case in <- f:
		case <-ctx.Done():
			return
		}
	}
}
