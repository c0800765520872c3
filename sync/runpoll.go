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
// go out at once. Errors disconnect and retry after Config.Backoff, and so
// do exchanges that want another at once but moved nothing (no ACK, no
// change) beyond the first, which only learns the relay's vector: a relay
// that answers without taking what is sent is not asked again and again.
// It returns ctx.Err(), or a permanent error (see [Stopped]) that it gave
// up on.
func (s *Session) RunPoll(ctx context.Context, p Poller, wait time.Duration) error {
	attempt, idle, again := 0, 0, true
	for {
		before := s.progressCount()
		err := s.fetchToken()
		more, kicked := false, false
		if err == nil {
			more, kicked, err = s.pollOnce(ctx, p, wait, again)
		}
		if ctx.Err() != nil {
			s.Disconnect(nil)
			return ctx.Err()
		}
		again = true
		switch {
		case err != nil:
			s.Disconnect(err)
			if Stopped(err) {
				return err
			}
		case kicked:
			continue
		case s.progressCount() != before || !more:
			attempt, idle, again = 0, 0, more
			continue
		default:
			if idle++; idle == 1 {
				continue
			}
		}
		if !s.sleep(ctx, attempt) {
			return ctx.Err()
		}
		attempt++
	}
}

// pollOnce runs one exchange; it long-polls unless again, and then a local
// commit (Notify) cuts it short: kicked reports that, and that the
// exchange's answer, if any, was dropped.
func (s *Session) pollOnce(ctx context.Context, p Poller, wait time.Duration, again bool) (more, kicked bool, err error) {
	body, err := s.PollRequest()
	if err != nil {
		return false, false, err
	}
	if again {
		resp, err := p.Poll(ctx, body, 0)
		if err != nil {
			return false, false, err
		}
		more, err = s.PollResponse(resp)
		return more, false, err
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cut := make(chan bool, 1)
	go func() {
		select {
		case <-s.kick:
			cut <- true
			cancel()
		case <-pctx.Done():
			cut <- false
		}
	}()
	resp, err := p.Poll(pctx, body, wait)
	cancel()
	if <-cut && ctx.Err() == nil {
		return true, true, nil // local changes: send them now, response or not
	}
	if err != nil {
		return false, false, err
	}
	more, err = s.PollResponse(resp)
	return more, false, err
}
