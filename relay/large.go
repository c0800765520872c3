package relay

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// Changes larger than a frame (protocol version 2, docs/PROTOCOL.md §1a):
// the relay assembles pushed PART frames within a memory budget shared by
// all sessions, stores the whole change, and sends it to version 2
// clients in PART frames. A client that cannot take a change (version 1,
// or over the max_change its HELLO announced) never gets it nor its
// actor's later changes, which depend on it; it gets everything else.

// partTimeout bounds the wait for the next PART of a change being
// assembled over WebSocket: a client that starts a change and stalls
// does not hold its share of the budget for ever.
const partTimeout = 30 * time.Second

// unreachable is a version vector entry past any seq: the store returns
// nothing of an actor whose entry it is.
const unreachable = 1 << 62

// budget bounds the bytes of partly assembled changes across sessions
// (Config.MaxAssembly); it implements sync.Budget.
type budget struct {
	used, limit atomic.Int64
}

func newBudget(limit int64) *budget {
	b := &budget{}
	b.limit.Store(limit)
	return b
}

// Reserve implements sync.Budget.
func (b *budget) Reserve(n int) error {
	if b.used.Add(int64(n)) > b.limit.Load() {
		b.used.Add(-int64(n))
		return fmt.Errorf("%w: %d bytes of changes are being assembled, limit %d; retry later",
			hsync.ErrTooManyConnections, b.used.Load(), b.limit.Load())
	}
	return nil
}

// Release implements sync.Budget.
func (b *budget) Release(n int) { b.used.Add(-int64(n)) }

// peer is what the relay knows of a client's protocol: the version its
// HELLO spoke and the largest change it takes.
type peer struct {
	proto     uint64
	maxChange int
}

func (r *Relay) peerOf(h *hsync.Hello) peer {
	p := peer{proto: h.Proto, maxChange: hsync.V1MaxPayload}
	if h.Proto >= 2 && h.MaxChange > 0 {
		p.maxChange = min(int(h.MaxChange), r.cfg.Limits.MaxChange)
	}
	return p
}

// assembler returns a reassembler of pushed PART frames within the
// relay's budget.
func (r *Relay) assembler() *hsync.Assembler {
	return &hsync.Assembler{Lim: r.cfg.Limits, Budget: r.assembly}
}

// deliverable drops from envs the changes p cannot take and every later
// change of their actors, marking those actors unreachable in have so
// that later reads skip them. It returns the rest, still contiguous per
// actor.
func deliverable(envs []hsync.Envelope, p peer, have crdt.VersionVector, log *slog.Logger) []hsync.Envelope {
	out := envs[:0]
	for _, e := range envs {
		if have[e.Actor] == unreachable {
			continue
		}
		if len(e.Payload) > p.maxChange {
			have[e.Actor] = unreachable
			log.Info("change too large for client: it and its actor's later changes are not sent",
				"actor", e.Actor, "seq", e.Seq, "bytes", len(e.Payload), "client_max", p.maxChange, "proto", p.proto)
			continue
		}
		out = append(out, e)
	}
	return out
}

// outgoing returns the frames that carry envs to a client: batches
// (CHANGES while catching up, else LIVE) of the changes that fit a frame,
// and PART frames for each one that does not. done is the Done flag of
// the last catch-up batch, always sent while catching up.
func outgoing(envs []hsync.Envelope, lim hsync.Limits, catchingUp, done bool) []hsync.Message {
	var out []hsync.Message
	var batch []hsync.Envelope
	flush := func(last bool) {
		if catchingUp && (last || len(batch) > 0) {
			out = append(out, &hsync.Changes{Changes: batch, Done: last && done})
		} else if len(batch) > 0 {
			out = append(out, &hsync.Live{Changes: batch})
		}
		batch = nil
	}
	for _, e := range envs {
		if hsync.Fits(e, lim) {
			batch = append(batch, e)
			continue
		}
		flush(false)
		for _, p := range hsync.Split(e, 0, lim) {
			out = append(out, p)
		}
	}
	flush(true)
	return out
}

// maxBody is the largest HTTP request body: a HELLO plus MaxPushFrames
// frames, and one change in parts.
func (r *Relay) maxBody() int64 {
	lim := r.cfg.Limits
	return int64(lim.MaxFrame)*(2+hsync.MaxPushFrames) + int64(lim.MaxChange) + int64(hsync.MaxParts(lim))*256
}

// nextPush reads frames until a push is complete: a PUSH, the last
// PART of a change, which stands for PUSH(id, [change]), or (version 3)
// the last SNAPSHOT frame of an upload, returned whole. While a change or
// a snapshot is partly assembled, only its next piece may come, within
// partTimeout.
func (wc *wsConn) nextPush(ctx context.Context) (hsync.Message, error) {
	for {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if wc.asm.Busy() || wc.snapAsm.Busy() {
			rctx, cancel = context.WithTimeout(ctx, partTimeout)
		}
		m, err := wc.read(rctx)
		cancel()
		if err != nil {
			return nil, err
		}
		if whole, handled, err := wc.snapshotPiece(m); handled {
			if err != nil {
				return nil, err
			}
			if whole != nil {
				return whole, nil
			}
			continue
		}
		p, err := pushOf(wc.asm, m)
		if p != nil || err != nil {
			return p, err
		}
	}
}

// pushOf returns the push that m completes: m itself if it is a PUSH, the
// assembled change if it is the last PART of one, nil for another PART.
func pushOf(asm *hsync.Assembler, m hsync.Message) (*hsync.Push, error) {
	switch m := m.(type) {
	case *hsync.Push:
		if asm.Busy() {
			return nil, fmt.Errorf("%w: PUSH before the last PART of a change", hsync.ErrUnexpected)
		}
		return m, nil
	case *hsync.Part:
		env, id, done, err := asm.Add(m)
		if err != nil || !done {
			return nil, err
		}
		return &hsync.Push{ID: id, Changes: []hsync.Envelope{env}}, nil
	}
	return nil, fmt.Errorf("%w: %T after HELLO", hsync.ErrUnexpected, m)
}

// changesTo reads the next changes of space beyond have that client p
// can take (see deliverable), for an HTTP response; more reports that
// the store holds more.
func (r *Relay) changesTo(space string, have crdt.VersionVector, p peer) ([]hsync.Envelope, bool, error) {
	for {
		envs, more, err := r.cfg.Store.ChangesSince(space, have, r.cfg.Limits.MaxBatch, r.batchBytes())
		if err != nil {
			return nil, false, err
		}
		n := len(envs)
		if envs = deliverable(envs, p, have, r.cfg.Logger); len(envs) > 0 || len(envs) == n || !more {
			return envs, more, nil
		}
	}
}

// AssemblyInUse returns the bytes held by partly assembled changes, all
// sessions together (bounded by Config.MaxAssembly).
func (r *Relay) AssemblyInUse() int64 { return r.assembly.used.Load() }
