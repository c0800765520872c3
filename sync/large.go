package sync

import (
	"fmt"

	"github.com/hearthdb/hearth/crdt"
)

// large is the Session's state for changes that do not fit a frame
// (docs/PROTOCOL.md §1a, §4): the change it is assembling from the
// relay's PART frames, the push it sent in parts, and the actors whose
// next change this relay cannot take.
type large struct {
	asm Assembler
	// bigID is the push sent in PART frames; one at a time is in flight.
	bigID uint64
	// blocked holds, per actor, the seq of a change over the relay's
	// limit: it and the actor's later changes (which depend on it, and
	// which the relay would refuse as a seq gap) stay pending, while
	// other actors' changes go on. Cleared at every connection, as a
	// relay may have been upgraded.
	blocked map[crdt.ActorID]uint64
}

// unreachable is a cursor past any seq: ChangesSince returns nothing of
// an actor whose cursor it is.
const unreachable = 1 << 62

// resetLargeLocked forgets what a connection held: a partial change and
// the push in parts (sent again), and which actors were blocked.
func (s *Session) resetLargeLocked() {
	s.large.asm.Reset()
	s.large.bigID = 0
	clear(s.large.blocked)
}

// helloOf sets the version fields of h for the next connection.
func (s *Session) helloOf(h *Hello) *Hello {
	h.Proto = s.proto
	if h.Proto >= 2 {
		h.MaxChange = uint64(s.cfg.Limits.MaxChange)
	}
	return h
}

// versionRefusedLocked falls back one version when a relay refused the
// HELLO's version: an old relay answers unsupported_version (in version
// 1, before it understood the HELLO), and the next connection tries the
// version before (3, 2, then 1, without snapshots, then without
// max_change, epoch or PART).
func (s *Session) versionRefusedLocked(e *ErrorMessage) {
	if e.Code == CodeVersion && s.proto > MinProtocolVersion {
		s.proto-- // a version 2 relay refuses 3, a version 1 relay 3 then 2
	}
}

// adoptChangeLimitLocked narrows the largest change to what the relay
// takes: its max_change in version 2, a frame's worth of V1MaxPayload in
// version 1.
func (s *Session) adoptChangeLimitLocked(w *Welcome) {
	if w.Proto < 2 {
		s.lim.MaxPayload = min(s.lim.MaxPayload, V1MaxPayload)
		s.lim.MaxChange = s.lim.MaxPayload
		return
	}
	if w.MaxChange > 0 && w.MaxChange < uint64(s.lim.MaxChange) {
		s.lim.MaxChange = int(w.MaxChange)
	}
}

// maxSendLocked is the largest payload this connection can carry.
func (s *Session) maxSendLocked() int {
	if s.proto < 2 {
		return min(s.lim.MaxPayload, s.lim.MaxFrame-2*frameOverhead-MaxIDLen)
	}
	return s.lim.MaxChange
}

// pushCursorLocked is what the next push continues from: sent, with the
// blocked actors out of reach.
func (s *Session) pushCursorLocked() crdt.VersionVector {
	if len(s.large.blocked) == 0 {
		return s.sent
	}
	vv := s.sent.Clone()
	for a := range s.large.blocked {
		vv[a] = unreachable
	}
	return vv
}

// pushFramesLocked turns changes read for the next push into its frames:
// a PUSH of those that fit one frame, or the PART frames of a change that
// does not. A change over the relay's limit blocks its actor (see
// large.blocked) and is reported in the status, without ending the
// connection or holding back other actors.
func (s *Session) pushFramesLocked(envs []Envelope) ([][]byte, bool, error) {
	envs = s.sendableLocked(envs)
	if len(envs) == 0 {
		return nil, false, nil
	}
	if Fits(envs[0], s.lim) {
		envs = fitFrame(envs, s.lim)
		frame, err := EncodeVersion(&Push{ID: s.nextID + 1, Changes: envs}, s.proto)
		if err != nil {
			return nil, false, err
		}
		s.flyLocked(envs)
		return [][]byte{frame}, true, nil
	}
	if s.flight[s.large.bigID] { // one change in parts at a time bounds memory and HTTP bodies
		return nil, false, nil
	}
	parts := Split(envs[0], s.nextID+1, s.lim)
	frames := make([][]byte, len(parts))
	for i, p := range parts {
		f, err := EncodeVersion(p, s.proto)
		if err != nil {
			return nil, false, err
		}
		frames[i] = f
	}
	s.large.bigID = s.flyLocked(envs[:1])
	return frames, true, nil
}

// flyLocked records a push of envs as sent and awaiting its ACK.
func (s *Session) flyLocked(envs []Envelope) uint64 {
	s.nextID++
	s.flight[s.nextID] = true
	s.sent.Merge(VersionOf(envs))
	return s.nextID
}

// sendableLocked drops the changes over the connection's limit, and every
// later change of their actors, blocking those actors.
func (s *Session) sendableLocked(envs []Envelope) []Envelope {
	limit := s.maxSendLocked()
	out := envs[:0:0]
	for _, e := range envs {
		if _, ok := s.large.blocked[e.Actor]; ok {
			continue
		}
		if len(e.Payload) > limit {
			if s.large.blocked == nil {
				s.large.blocked = map[crdt.ActorID]uint64{}
			}
			s.large.blocked[e.Actor] = e.Seq
			s.lastErr = s.tooLargeErrLocked(e, limit)
			continue
		}
		out = append(out, e)
	}
	return out
}

func (s *Session) tooLargeErrLocked(e Envelope, limit int) error {
	why := "the relay's max_change"
	if s.proto < 2 {
		why = "what protocol version 1 carries (the relay is older than this client)"
	}
	return fmt.Errorf("%w: change %s:%d has a %d-byte payload, over %s, %d bytes; it and %s's later changes wait, the others sync",
		ErrTooLarge, e.Actor, e.Seq, len(e.Payload), why, limit, e.Actor)
}

// partOrderLocked refuses any other message while a change is partly
// assembled, and assembles PART frames: a finished change is applied as a
// batch of one.
func (s *Session) partOrderLocked(m Message) (handled bool, err error) {
	p, ok := m.(*Part)
	if !ok {
		if s.large.asm.Busy() {
			return true, fmt.Errorf("%w: %T before the last PART of a change", ErrUnexpected, m)
		}
		return false, nil
	}
	if s.state == Connecting || p.ID != 0 {
		return true, fmt.Errorf("%w: PART with id %d from relay", ErrUnexpected, p.ID)
	}
	s.large.asm.Lim = s.lim
	env, _, done, err := s.large.asm.Add(p)
	if err != nil || !done {
		return true, err
	}
	return true, s.refreshLocked(s.applyLocked([]Envelope{env}))
}
