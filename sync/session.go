package sync

import (
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"github.com/hearthdb/hearth/crdt"
)

// Config configures a Session.
type Config struct {
	// Space is the unit of sharing to sync (1..MaxIDLen bytes).
	Space string
	// Token returns the token for Space. The session calls it before its
	// first connection and again after the relay refused the token
	// (unauthorized, token_expired), and reuses the token in between (the
	// HTTP binding sends it with every request). Run and RunPoll call it
	// without holding the session's lock, so it may wait (say, for an app
	// server); an error fails that attempt, which is retried after the
	// backoff. Nil means an empty token (open relays).
	Token func() (string, error)
	// Window is how many PUSH frames may await their ACK; default 4.
	Window int
	// Limits bound outgoing batches and incoming frames; default
	// DefaultLimits, narrowed by the relay's WELCOME.
	Limits Limits
	// Backoff returns the wait before retry attempt n (from 0) of Run and
	// RunPoll; default DefaultBackoff.Delay. The attempt count goes back
	// to 0 only after a connection made progress (see Session.progress).
	Backoff func(attempt int) time.Duration
	// After is the clock Run waits on; default time.After.
	After func(time.Duration) <-chan time.Time
}

// Session is the client side of the sync protocol for one space: a
// sans-I/O state machine. Connect, Receive, Flush and PollRequest return
// frames to send; the caller (Run, or a browser transport) moves them.
// A Session is safe for concurrent use.
type Session struct {
	mu     gosync.Mutex
	emitMu gosync.Mutex
	cfg    Config
	store  LocalStore
	lim    Limits
	state  State
	acked  crdt.VersionVector // durable at the relay, persisted
	epoch  string             // the relay storage's epoch acked refers to, persisted
	// proto is the protocol version of this session's frames and of the
	// next HELLO: ProtocolVersion until a relay refuses it with
	// unsupported_version, then MinProtocolVersion for the rest of the
	// Session (a new Session tries ProtocolVersion again; large.go).
	proto  uint64
	sent   crdt.VersionVector // acked plus everything in flight
	flight map[uint64]bool    // PUSH ids awaiting ACK
	nextID uint64
	caught bool // last catch-up CHANGES (Done) received
	// welcomed: a WELCOME was seen, so lim holds the relay's limits.
	welcomed bool
	pending  int
	lastErr  error
	token    string // the token of the last HELLO, reused until refused
	haveTok  bool
	// progress counts ACKs, received changes and arrivals at Synced: a
	// connection that moved it was worth making, so the backoff restarts.
	progress uint64
	subs     map[int]func(Status)
	nextSub  int
	emitted  Status
	kick     chan struct{}
	large    large     // changes over a frame (large.go)
	snap     snapState // snapshots (snapshot.go)
}

// NewSession returns an offline session for cfg.Space over store.
func NewSession(cfg Config, store LocalStore) (*Session, error) {
	if cfg.Space == "" || len(cfg.Space) > MaxIDLen {
		return nil, fmt.Errorf("%w: space name of %d bytes", ErrMalformed, len(cfg.Space))
	}
	if cfg.Window <= 0 {
		cfg.Window = 4
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	acked, err := store.Acked()
	if err != nil {
		return nil, storageErr("load acked version", err)
	}
	epoch, err := store.Epoch()
	if err != nil {
		return nil, storageErr("load relay epoch", err)
	}
	s := &Session{cfg: cfg, store: store, lim: cfg.Limits, acked: acked.Clone(), epoch: epoch, proto: protoFor(store),
		flight: map[uint64]bool{}, subs: map[int]func(Status){}, kick: make(chan struct{}, 1)}
	s.resetLocked()
	s.emitted = s.statusLocked()
	return s, nil
}

// Connect starts a connection: it returns the HELLO frame to send first.
func (s *Session) Connect() ([][]byte, error) {
	defer s.emit()
	s.mu.Lock()
	defer s.mu.Unlock()
	hello, err := s.helloLocked()
	if err != nil {
		return nil, err
	}
	s.state, s.caught, s.lim = Connecting, false, s.cfg.Limits
	s.resetLocked()
	return [][]byte{hello}, nil
}

func (s *Session) helloLocked() ([]byte, error) {
	if !s.haveTok { // not fetched by Run or RunPoll: the caller drives the session by hand
		t, err := s.callToken()
		if err != nil {
			return nil, err
		}
		s.token, s.haveTok = t, true
	}
	return Encode(s.helloOf(&Hello{Space: s.cfg.Space, Token: s.token, Version: s.store.Version()}))
}

func (s *Session) callToken() (string, error) {
	if s.cfg.Token == nil {
		return "", nil
	}
	t, err := s.cfg.Token()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrTokenProvider, err)
	}
	return t, nil
}

// fetchToken asks Config.Token for a token unless the session holds one
// the relay has not refused; it runs without s.mu held, as the provider
// may wait.
func (s *Session) fetchToken() error {
	s.mu.Lock()
	have := s.haveTok
	s.mu.Unlock()
	if have {
		return nil
	}
	t, err := s.callToken()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.token, s.haveTok = t, true
	s.mu.Unlock()
	return nil
}

// storageErr wraps a LocalStore failure so that ErrorCode names it
// "storage", not "network".
func storageErr(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrStorage, what, err)
}

// Receive handles one frame from the relay and returns the frames to send
// in answer. An error means the connection must end: the caller closes the
// transport and calls Disconnect (Run does both).
func (s *Session) Receive(frame []byte) ([][]byte, error) {
	defer s.emit()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := Decode(frame, s.lim)
	if err != nil {
		return nil, err
	}
	out, err := s.handleLocked(m)
	if err != nil {
		return out, err
	}
	up, err := s.uploadLocked()
	return append(out, up...), err
}

func (s *Session) handleLocked(m Message) ([][]byte, error) {
	if handled, err := s.partOrderLocked(m); handled {
		return nil, err
	}
	if handled, err := s.snapOrderLocked(m); handled {
		return nil, err
	}
	if _, ok := m.(*Welcome); !ok && s.state == Connecting {
		if e, isErr := m.(*ErrorMessage); isErr {
			s.versionRefusedLocked(e)
			return nil, e.Err()
		}
		return nil, fmt.Errorf("%w: %T before WELCOME", ErrUnexpected, m)
	}
	switch m := m.(type) {
	case *Welcome:
		return s.welcomeLocked(m)
	case *Ack:
		return s.ackLocked(m)
	case *Changes:
		err := s.applyLocked(m.Changes)
		s.caught = s.caught || (m.Done && err == nil)
		return nil, s.refreshLocked(err)
	case *Live:
		return nil, s.refreshLocked(s.applyLocked(m.Changes))
	case *ErrorMessage:
		return nil, m.Err()
	default:
		return nil, fmt.Errorf("%w: %T from relay", ErrUnexpected, m)
	}
}

func (s *Session) welcomeLocked(w *Welcome) ([][]byte, error) {
	if err := s.acceptWelcomeLocked(w); err != nil {
		return nil, err
	}
	s.resetLocked()
	return s.fillLocked()
}

// acceptWelcomeLocked adopts the relay's limits and version vector.
func (s *Session) acceptWelcomeLocked(w *Welcome) error {
	if s.state != Connecting {
		return fmt.Errorf("%w: second WELCOME", ErrUnexpected)
	}
	if w.MaxFrame > 0 && w.MaxFrame < uint64(s.lim.MaxFrame) {
		s.lim.MaxFrame = int(w.MaxFrame)
	}
	if w.MaxBatch > 0 && w.MaxBatch < uint64(s.lim.MaxBatch) {
		s.lim.MaxBatch = int(w.MaxBatch)
	}
	s.adoptChangeLimitLocked(w)
	s.welcomeSnapLocked(w)
	s.acked = welcomeAcked(s.epoch, s.acked, w, s.store.Version())
	s.welcomed = true
	if err := s.store.SetAcked(s.acked); err != nil {
		return storageErr("persist acked", err)
	}
	// After the vector: a crash in between finds the old epoch, so the
	// next WELCOME decides the same again.
	if w.Epoch != "" && w.Epoch != s.epoch {
		if err := s.store.SetEpoch(w.Epoch); err != nil {
			return storageErr("persist relay epoch", err)
		}
		s.epoch = w.Epoch
	}
	s.state = Syncing
	return nil
}

// welcomeAcked is the acknowledged vector after WELCOME w, given the
// stored epoch and acknowledged vector and the replica's own vector. It
// tells a relay that lost changes it had acknowledged (docs/PROTOCOL.md
// §5, "A relay that lost changes"):
//   - another epoch (the relay's storage started again from nothing: wiped,
//     or another relay under the same URL): none of its acknowledgements
//     were seen, so everything the replica holds is pushed again and the
//     relay checks it, acknowledging what it already holds as replays;
//   - a vector behind the acknowledged one (restored from an older
//     backup): the relay's vector is the truth, and what it lacks, of any
//     actor, is pushed again.
//
// Either way verifyAcked keeps unacknowledged what was never seen
// acknowledged. A relay without an epoch (version 1) gets the second rule.
func welcomeAcked(epoch string, acked crdt.VersionVector, w *Welcome, local crdt.VersionVector) crdt.VersionVector {
	if epoch != "" && w.Epoch != "" && w.Epoch != epoch {
		acked = nil
	}
	return verifyAcked(acked, w.Version, local)
}

// verifyAcked is the acknowledged vector after a WELCOME announcing
// relay: the relay's head per actor, except that changes the replica holds
// but never saw acknowledged stay unacknowledged, so they are pushed again
// and the relay checks their bytes. Otherwise a different change under the
// same (actor, seq), forged or from a forked replica, would count as ours
// and ours would be silently lost.
func verifyAcked(acked, relay, local crdt.VersionVector) crdt.VersionVector {
	out := relay.Clone()
	for a, head := range relay {
		if local[a] > acked[a] {
			out[a] = min(head, acked[a])
		}
		if out[a] == 0 {
			delete(out, a)
		}
	}
	return out
}

func (s *Session) ackLocked(a *Ack) ([][]byte, error) {
	if s.snapAckLocked(a) {
		out, err := s.fillLocked()
		return out, s.refreshLocked(err)
	}
	if !s.flight[a.ID] {
		return nil, fmt.Errorf("%w: ACK for unknown push %d", ErrUnexpected, a.ID)
	}
	delete(s.flight, a.ID)
	s.acked.Merge(a.Version)
	s.progress++
	if err := s.store.SetAcked(s.acked); err != nil {
		return nil, storageErr("persist acked", err)
	}
	out, err := s.fillLocked()
	return out, s.refreshLocked(err)
}

// applyLocked applies relay changes the replica lacks, checking that they
// continue its version vector without gaps.
func (s *Session) applyLocked(envs []Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	have := s.store.Version().Clone()
	fresh := make([]Envelope, 0, len(envs))
	for _, e := range envs {
		switch {
		case e.Seq <= have[e.Actor]:
		case e.Seq == have[e.Actor]+1:
			have[e.Actor] = e.Seq
			fresh = append(fresh, e)
		default:
			return fmt.Errorf("%w: relay sent %s:%d, replica has %d", ErrSeqGap, e.Actor, e.Seq, have[e.Actor])
		}
	}
	if len(fresh) > 0 {
		err := s.store.ApplyRemote(fresh)
		if errors.Is(err, ErrInvalidChange) {
			return fmt.Errorf("hearth/sync: apply remote: %w", err)
		}
		if err != nil {
			return storageErr("apply remote", err)
		}
		s.progress++ // changes the replica held already are no progress
	}
	got := VersionOf(envs)
	s.acked.Merge(got)
	s.sent.Merge(got)
	if err := s.store.SetAcked(s.acked); err != nil {
		return storageErr("persist acked", err)
	}
	return nil
}

// Flush returns PUSH frames for local changes not yet sent, as far as the
// window allows. Call it (or Notify, under Run) after every local commit;
// while offline it only refreshes the pending count.
func (s *Session) Flush() ([][]byte, error) {
	defer s.emit()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != Syncing && s.state != Synced {
		return nil, s.refreshLocked(nil)
	}
	out, err := s.fillLocked()
	return out, s.refreshLocked(err)
}

// fillLocked encodes PUSH frames until the window is full or nothing is
// left to send.
func (s *Session) fillLocked() ([][]byte, error) {
	var out [][]byte
	for len(s.flight) < s.cfg.Window {
		frames, ok, err := s.nextPushLocked()
		if err != nil || !ok {
			return out, err
		}
		out = append(out, frames...)
	}
	return out, nil
}

func (s *Session) nextPushLocked() ([][]byte, bool, error) {
	envs, err := s.store.ChangesSince(s.pushCursorLocked(), s.lim.MaxBatch)
	if err != nil {
		return nil, false, storageErr("read local changes", err)
	}
	return s.pushFramesLocked(envs)
}

// frameOverhead bounds the bytes a frame spends outside its payloads:
// the header plus, per envelope, array, actor and seq headers.
const frameOverhead = 32

// fitFrame keeps the longest prefix of envs whose PUSH fits lim.MaxFrame,
// up to a change that travels in parts (see Fits; envs[0] fits). A prefix
// keeps per-actor runs contiguous.
func fitFrame(envs []Envelope, lim Limits) []Envelope {
	size := frameOverhead
	for i, e := range envs {
		size += frameOverhead + len(e.Actor) + len(e.Payload)
		if i > 0 && (size > lim.MaxFrame || !Fits(e, lim)) {
			return envs[:i]
		}
	}
	return envs
}

// Disconnect records that the connection ended (err may be nil for a
// clean close). Unacknowledged pushes will be sent again after the next
// Connect; acknowledged ones never are.
func (s *Session) Disconnect(err error) {
	defer s.emit()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state, s.caught = Offline, false
	if err != nil {
		s.lastErr = err
	}
	if refused(err) {
		s.haveTok = false // the next connection asks Config.Token again
	}
	s.resetLocked()
	s.pending = s.countPendingLocked()
}

// resetLocked forgets in-flight pushes: the cursor falls back to acked.
func (s *Session) resetLocked() {
	s.sent = s.acked.Clone()
	clear(s.flight)
	s.resetLargeLocked()
	s.resetSnapLocked()
	s.pending = s.countPendingLocked()
}

// refreshLocked recomputes the pending count and the Syncing/Synced state,
// and passes err through.
func (s *Session) refreshLocked(err error) error {
	s.pending = s.countPendingLocked()
	if s.state == Syncing || s.state == Synced {
		was := s.state
		s.state = Syncing
		if s.caught && len(s.flight) == 0 && s.pending == 0 {
			if was != Synced {
				s.progress++
			}
			s.state = Synced
			s.lastErr = nil
		}
	}
	return err
}

// countPendingLocked asks the store, which keeps the count whether or
// not a session runs (LocalStore.Pending).
func (s *Session) countPendingLocked() int {
	return s.store.Pending()
}
