package sync

// State is the connection state a UI shows.
type State int

// Session states.
const (
	Offline    State = iota // not connected (the normal case, not an error)
	Connecting              // HELLO sent, waiting for WELCOME
	Syncing                 // connected, catching up or pushing
	Synced                  // connected, caught up, nothing pending
)

// String returns "offline", "connecting", "syncing" or "synced".
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Syncing:
		return "syncing"
	case Synced:
		return "synced"
	}
	return "offline"
}

// Status is a snapshot of a session for UIs.
type Status struct {
	State State
	// Pending counts local changes the relay has not acknowledged yet.
	Pending int
	// LastError is the error that ended the last connection, or nil.
	LastError error
}

func (s Status) same(o Status) bool {
	return s.State == o.State && s.Pending == o.Pending && s.LastError == o.LastError
}

// Subscribe calls fn with the current status and again after every change
// of it, until the returned function is called. fn runs on the goroutine
// that caused the change and must not block.
func (s *Session) Subscribe(fn func(Status)) (unsubscribe func()) {
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = fn
	st := s.statusLocked()
	s.mu.Unlock()
	fn(st)
	return func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
	}
}

// Status returns the current status.
func (s *Session) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked()
}

func (s *Session) statusLocked() Status {
	return Status{State: s.state, Pending: s.pending, LastError: s.lastErr}
}

// emit tells subscribers about a changed status. It is called without s.mu
// held; emitMu keeps notifications in order.
func (s *Session) emit() {
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	s.mu.Lock()
	st := s.statusLocked()
	if st.same(s.emitted) {
		s.mu.Unlock()
		return
	}
	s.emitted = st
	fns := make([]func(Status), 0, len(s.subs))
	for _, fn := range s.subs {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(st)
	}
}
