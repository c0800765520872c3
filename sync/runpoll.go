package sync

import (
	"context"
	"time"
)

// Poller carries one exchange of the HTTP binding: POST body to the relay's
// /v1/sync (adding ?wait=seconds when wait > 0) and return the response
// body, whatever the HTTP status (a non-200 body is one ERROR frame). The
// browser implements it with fetch.
type Poller interface {
	Poll(ctx context.Context, body []byte, wait time.Duration) ([]byte, error)
}

// RunPoll keeps the session in sync through the HTTP binding until ctx
// ends: it exchanges requests at once while either side has more, then
// long-polls for up to wait; Notify cuts a long-poll short so local changes
// go out at once. Errors disconnect and retry after Config.Backoff. It
// returns ctx.Err(), or a permanent error (see [Stopped]) that it gave up
// on.
func (s *Session) RunPoll(ctx context.Context, p Poller, wait time.Duration) error {
	attempt, again := 0, true
	for {
		var err error
		again, err = s.pollOnce(ctx, p, wait, again)
		if ctx.Err() != nil {
			s.Disconnect(nil)
			return ctx.Err()
		}
		if err == nil {
			attempt = 0
			continue
		}
		s.Disconnect(err)
		if Stopped(err) {
			return err
		}
		select {
		case <-s.after(s.backoff(attempt)):
		case <-ctx.Done():
			return ctx.Err()
		}
		attempt, again = attempt+1, true
	}
}

// pollOnce runs one exchange; it long-polls unless again.
func (s *Session) pollOnce(ctx context.Context, p Poller, wait time.Duration, again bool) (bool, error) {
	body, err := s.PollRequest()
	if err != nil {
		return false, err
	}
	if again {
		wait = 0
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	kicked := make(chan bool, 1)
	go func() {
		select {
		case <-s.kick:
			kicked <- true
			cancel()
		case <-pctx.Done():
			kicked <- false
		}
	}()
	resp, err := p.Poll(pctx, body, wait)
	cancel()
	if <-kicked && ctx.Err() == nil {
		return true, nil // local changes: send them now, response or not
	}
	if err != nil {
		return false, err
	}
	return s.PollResponse(resp)
}
