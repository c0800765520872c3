package sync

import (
	"bytes"
	"fmt"
)

// PollRequest returns the body of one request of the HTTP binding
// (POST /v1/sync): a HELLO followed by PUSH frames for up to Window batches
// of unacknowledged local changes (none in the first request, which learns
// the relay's limits). Every request stands alone: pushes that
// got no ACK are sent again by the next one.
func (s *Session) PollRequest() ([]byte, error) {
	defer s.emit()
	s.mu.Lock()
	defer s.mu.Unlock()
	hello, err := s.helloLocked()
	if err != nil {
		return nil, err
	}
	if s.state == Offline {
		s.state = Connecting
	}
	s.resetLocked()
	var pushes [][]byte
	if s.welcomed { // until a WELCOME told the relay's limits, only ask
		pushes, err = s.fillLocked()
		if err != nil {
			return nil, err
		}
	}
	return bytes.Join(append([][]byte{hello}, pushes...), nil), nil
}

// PollResponse handles the body of a 200 response to PollRequest: a
// WELCOME, an ACK per PUSH, then one CHANGES batch. again reports that the
// client should send the next request at once (more changes on either
// side); otherwise it may long-poll (?wait=seconds). A non-200 response
// body is a single ERROR frame: pass it here too to get its error, then call
// Disconnect.
func (s *Session) PollResponse(body []byte) (again bool, err error) {
	defer s.emit()
	s.mu.Lock()
	defer s.mu.Unlock()
	msgs, err := DecodeStream(body, s.lim, 2+MaxPushFrames+MaxParts(s.lim)+SnapshotParts(s.lim))
	if err != nil {
		return false, err
	}
	// Each response restarts the handshake: the WELCOME's vector is the
	// relay's state before this request's pushes.
	s.state = Connecting
	done := false
	for _, m := range msgs {
		if _, err := s.pollHandleLocked(m); err != nil {
			return false, err
		}
		if c, ok := m.(*Changes); ok {
			done = c.Done
		}
	}
	if s.state == Connecting {
		return false, fmt.Errorf("%w: response without WELCOME", ErrUnexpected)
	}
	s.caught = done
	again = !done || len(s.flight) > 0 || s.countPendingLocked() > 0
	clear(s.flight)
	s.sent = s.acked.Clone()
	return again, s.refreshLocked(nil)
}

// pollHandleLocked is handleLocked without sending: in the HTTP binding
// pushes go out only with the next request.
func (s *Session) pollHandleLocked(m Message) ([][]byte, error) {
	if w, ok := m.(*Welcome); ok && s.state == Connecting {
		return nil, s.acceptWelcomeLocked(w)
	}
	if a, ok := m.(*Ack); ok {
		if !s.flight[a.ID] {
			return nil, fmt.Errorf("%w: ACK for unknown push %d", ErrUnexpected, a.ID)
		}
		delete(s.flight, a.ID)
		s.acked.Merge(a.Version)
		s.progress++
		if err := s.store.SetAcked(s.acked); err != nil {
			return nil, storageErr("persist acked", err)
		}
		return nil, nil
	}
	return s.handleLocked(m)
}
