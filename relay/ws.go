package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// helloTimeout bounds the wait for a WebSocket client's HELLO.
const helloTimeout = 10 * time.Second

// wsConn is one WebSocket session on a space.
type wsConn struct {
	r     *Relay
	c     *websocket.Conn
	log   *slog.Logger
	space string
	// mu guards sent: the reader marks pushed changes in it before storing
	// them, the writer filters against it, so a client never gets its own
	// changes back.
	mu   sync.Mutex
	sent crdt.VersionVector // what the client has: sent to it or pushed by it
	// expires is when the HELLO's token expires (zero: never); the session
	// ends then with token_expired, as a new HELLO would be refused.
	expires time.Time
	// peer is the client's protocol version (of the frames sent: the
	// HELLO's, and before it the oldest, which every client reads) and
	// the largest change it takes.
	peer peer
	asm  *hsync.Assembler // pushed PART frames (large.go)
	// wmu orders writes: a sequence that must go back to back (the
	// SNAPSHOT or PART frames of one blob) holds it throughout.
	wmu sync.Mutex
	// join is the snapshot the session starts with (nil: none); snapAsm
	// assembles an uploaded one (snapshot.go).
	join    *SnapshotInfo
	snapAsm *hsync.SnapshotAssembler
}

func (r *Relay) serveWS(w http.ResponseWriter, req *http.Request) {
	// Any origin may connect: access is granted by the token in HELLO, not
	// by cookies, so cross-site WebSocket hijacking gains nothing.
	c, err := websocket.Accept(w, req, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		r.cfg.Logger.Warn("websocket accept", "err", err, "remote", req.RemoteAddr)
		return
	}
	// Frames a bit over the limit still get a too_large ERROR; far over it
	// the library closes with status 1009 without reading them.
	c.SetReadLimit(int64(r.cfg.Limits.MaxFrame) * 2)
	wc := &wsConn{r: r, c: c, log: r.cfg.Logger.With("remote", req.RemoteAddr), peer: peer{proto: hsync.MinProtocolVersion}}
	if err := r.admit(); err != nil {
		wc.fail(err, 0)
		return
	}
	defer r.release()
	err = wc.run()
	wc.log.Debug("websocket closed", "space", wc.space, "err", err)
}

// run serves the session until the client leaves, an error, or shutdown.
// Reads and writes use their own context: canceling a coder/websocket
// read closes the connection, and on shutdown the ERROR must go out first.
func (wc *wsConn) run() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := wc.handshake(ctx); err != nil {
		return wc.fail(err, 0)
	}
	wake, unlisten := wc.r.hub.listen(wc.space)
	defer unlisten()
	errc := make(chan error, 2)
	go func() { errc <- wc.writeLoop(ctx, wake) }()
	go func() { errc <- wc.readLoop(ctx) }()
	var expiry <-chan time.Time // nil, never ready, without an expiry
	if d, ok := wc.r.untilExpiry(wc.expires); ok {
		t := time.NewTimer(d)
		defer t.Stop()
		expiry = t.C
	}
	var err error
	ended := 0
	select {
	case err = <-errc:
		ended++
	case <-wc.r.ctx.Done():
		err = hsync.ErrShuttingDown
	case <-expiry:
		err = expired(wc.expires)
	}
	err = wc.fail(err, pushID(err))
	cancel()
	for ; ended < 2; ended++ {
		<-errc // both loops end before the store may close
	}
	return err
}

// handshake reads and checks HELLO, then answers WELCOME.
func (wc *wsConn) handshake(ctx context.Context) error {
	// Shutdown also ends the wait for HELLO (dropping the connection).
	hctx, cancel := context.WithTimeout(wc.r.ctx, helloTimeout)
	defer cancel()
	m, err := wc.read(hctx)
	if err != nil {
		return err
	}
	hello, ok := m.(*hsync.Hello)
	if !ok {
		return fmt.Errorf("%w: %T before HELLO", hsync.ErrUnexpected, m)
	}
	if wc.expires, err = wc.r.authorize(hello); err != nil {
		return err
	}
	wc.space, wc.sent, wc.peer, wc.asm = hello.Space, hello.Version.Clone(), wc.r.peerOf(hello), wc.r.assembler()
	wc.snapAsm = wc.r.snapshotAssembler()
	wc.log = wc.log.With("space", hello.Space)
	w, join, err := wc.r.welcomeFor(hello)
	if err != nil {
		return err
	}
	wc.join = join
	return wc.write(ctx, w)
}

// read returns the next decoded frame.
func (wc *wsConn) read(ctx context.Context) (hsync.Message, error) {
	typ, frame, err := wc.c.Read(ctx)
	if err != nil {
		return nil, errClosed{err}
	}
	if typ != websocket.MessageBinary {
		return nil, fmt.Errorf("%w: text frame", hsync.ErrMalformed)
	}
	return hsync.Decode(frame, wc.r.cfg.Limits)
}

func (wc *wsConn) write(ctx context.Context, m hsync.Message) error {
	wc.wmu.Lock()
	defer wc.wmu.Unlock()
	return wc.writeLocked(ctx, m)
}

// writeLocked is write for a caller holding wmu.
func (wc *wsConn) writeLocked(ctx context.Context, m hsync.Message) error {
	frame, err := hsync.EncodeVersion(m, wc.peer.proto)
	if err != nil {
		return err
	}
	if err := wc.c.Write(ctx, websocket.MessageBinary, frame); err != nil {
		return errClosed{err}
	}
	return nil
}

// readLoop stores PUSH frames and acknowledges them after the commit.
func (wc *wsConn) readLoop(ctx context.Context) error {
	defer wc.asm.Reset()
	defer wc.snapAsm.Reset()
	for {
		m, err := wc.nextPush(ctx)
		if err != nil {
			return err
		}
		if snap, ok := m.(*hsync.Snapshot); ok {
			if err := wc.storeSnapshot(ctx, snap); err != nil {
				return err
			}
			continue
		}
		p := m.(*hsync.Push)
		wc.mu.Lock()
		wc.sent.Merge(hsync.VersionOf(p.Changes)) // the client has them
		wc.mu.Unlock()
		ack, err := wc.r.store(wc.space, p)
		if err != nil {
			return pushError{id: p.ID, err: err}
		}
		if err := wc.write(ctx, ack); err != nil {
			return err
		}
	}
}

// writeLoop sends catch-up batches (CHANGES, the last with Done), then a
// LIVE batch whenever the space changed, always reading from the store what
// the client lacks.
func (wc *wsConn) writeLoop(ctx context.Context, wake <-chan struct{}) error {
	if wc.join != nil {
		if err := wc.sendSnapshot(ctx, wc.join); err != nil {
			return err
		}
	}
	catchingUp := true
	for {
		more, err := wc.sendBatch(ctx, catchingUp)
		if err != nil {
			return err
		}
		if more {
			continue
		}
		catchingUp = false
		select {
		case <-wake:
		case <-ctx.Done():
			return errClosed{ctx.Err()}
		}
	}
}

func (wc *wsConn) sendBatch(ctx context.Context, catchingUp bool) (more bool, err error) {
	wc.mu.Lock()
	since := wc.sent.Clone()
	wc.mu.Unlock()
	envs, more, err := wc.r.cfg.Store.ChangesSince(wc.space, since, wc.r.cfg.Limits.MaxBatch, wc.r.batchBytes())
	if err != nil {
		return false, err
	}
	// A change the client pushed was marked in sent before its commit, so
	// if this read saw it, the filter below drops it: no echo, without
	// holding mu across the network write.
	wc.mu.Lock()
	envs = deliverable(unseen(envs, wc.sent), wc.peer, wc.sent, wc.log)
	wc.sent.Merge(hsync.VersionOf(envs))
	wc.mu.Unlock()
	wc.wmu.Lock() // a change in PART frames goes back to back, no ACK between
	defer wc.wmu.Unlock()
	for _, m := range outgoing(envs, wc.r.cfg.Limits, catchingUp, !more) {
		if err := wc.writeLocked(ctx, m); err != nil {
			return more, err
		}
	}
	return more, nil
}

// unseen drops the changes that have is known to cover (pushed by the
// client meanwhile). The rest stays contiguous per actor.
func unseen(envs []hsync.Envelope, have crdt.VersionVector) []hsync.Envelope {
	out := envs[:0]
	for _, e := range envs {
		if !have.Includes(e.Actor, e.Seq) {
			out = append(out, e)
		}
	}
	return out
}

// fail sends the ERROR frame for err (unless the connection is already
// gone) and closes the connection. It returns err.
func (wc *wsConn) fail(err error, id uint64) error {
	var gone errClosed
	switch {
	case wc.r.closing.Load():
		err = hsync.ErrShuttingDown
	case errors.As(err, &gone):
		wc.c.CloseNow()
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	e := wc.r.logged(hsync.NewError(err, id), err)
	_ = wc.write(ctx, e)
	status := websocket.StatusPolicyViolation
	if e.Code == hsync.CodeShuttingDown || e.Code == hsync.CodeInternal {
		status = websocket.StatusGoingAway
	}
	// The closing handshake waits up to 5s for a peer that does not read;
	// Shutdown's context bounds the total.
	wc.c.Close(status, e.Code.String())
	return err
}
