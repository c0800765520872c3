package relay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// ContentType is the media type of HTTP binding bodies: msgpack frames back
// to back.
const ContentType = "application/vnd.hearth.sync+msgpack"

// syncRequest is a parsed POST /v1/sync body: a HELLO, then PUSH frames.
type syncRequest struct {
	hello   *hsync.Hello
	pushes  []*hsync.Push
	expires time.Time // the token's expiry, once authorized (zero: never)
}

// ParseSyncRequest parses the body of POST /v1/sync: one HELLO followed by
// at most sync.MaxPushFrames PUSH frames, each within lim, and (version 2)
// the PART frames of changes, each assembled into a PUSH of its own.
// Errors wrap the sync sentinels.
func ParseSyncRequest(body []byte, lim hsync.Limits) (*hsync.Hello, []*hsync.Push, error) {
	req, err := parseSyncRequest(body, &hsync.Assembler{Lim: lim})
	if err != nil {
		return nil, nil, err
	}
	return req.hello, req.pushes, nil
}

func parseSyncRequest(body []byte, asm *hsync.Assembler) (*syncRequest, error) {
	defer asm.Reset()
	msgs, err := hsync.DecodeStream(body, asm.Lim, 1+hsync.MaxPushFrames+hsync.MaxParts(asm.Lim))
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%w: empty body", hsync.ErrMalformed)
	}
	hello, ok := msgs[0].(*hsync.Hello)
	if !ok {
		return nil, fmt.Errorf("%w: body starts with %T, want HELLO", hsync.ErrUnexpected, msgs[0])
	}
	req := &syncRequest{hello: hello}
	for _, m := range msgs[1:] {
		if _, ok := m.(*hsync.Hello); ok {
			return nil, fmt.Errorf("%w: second HELLO, want PUSH", hsync.ErrUnexpected)
		}
		p, err := pushOf(asm, m)
		if err != nil {
			return nil, err
		}
		if p != nil {
			req.pushes = append(req.pushes, p)
		}
	}
	switch {
	case asm.Busy():
		return nil, fmt.Errorf("%w: body ends inside a change in parts", hsync.ErrMalformed)
	case len(req.pushes) > hsync.MaxPushFrames:
		return nil, fmt.Errorf("%w: more than %d pushes", hsync.ErrTooLarge, hsync.MaxPushFrames)
	}
	return req, nil
}

// serveSync is the HTTP binding: answer WELCOME, an ACK per PUSH (or an
// ERROR that ends the response), then one CHANGES batch, after waiting up
// to ?wait= seconds for changes when there are none.
func (r *Relay) serveSync(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.maxBody()))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = fmt.Errorf("%w: body over %d bytes", hsync.ErrTooLarge, tooBig.Limit)
	}
	var sr *syncRequest
	if err == nil {
		sr, err = parseSyncRequest(body, r.assembler())
	}
	if err == nil {
		sr.expires, err = r.authorize(sr.hello)
	}
	if err != nil {
		r.httpError(w, err)
		return
	}
	out, err := r.answer(req, sr)
	if err != nil && req.Context().Err() != nil {
		return // the client went away during a long-poll
	}
	if err != nil {
		r.httpError(w, err)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	_, _ = w.Write(out)
}

// answer builds the response body of a valid, authorized request.
func (r *Relay) answer(req *http.Request, sr *syncRequest) ([]byte, error) {
	space, peer := sr.hello.Space, r.peerOf(sr.hello) // the response speaks the HELLO's version
	var buf bytes.Buffer
	wel, join, err := r.welcomeFor(sr.hello)
	if err != nil {
		return nil, err
	}
	_ = hsync.AppendVersion(&buf, wel, peer.proto)
	have := sr.hello.Version.Clone()
	if join != nil { // the whole snapshot, then the changes after it
		err := r.snapshotFrames(space, join, func(m hsync.Message) error { return hsync.AppendVersion(&buf, m, peer.proto) })
		if err != nil {
			return nil, err
		}
		have.Merge(join.Version)
	}
	for _, p := range sr.pushes {
		have.Merge(hsync.VersionOf(p.Changes))
		ack, err := r.store(space, p)
		if err != nil {
			_ = hsync.AppendVersion(&buf, r.logged(hsync.NewError(err, p.ID), err), peer.proto)
			return buf.Bytes(), nil
		}
		_ = hsync.AppendVersion(&buf, ack, peer.proto)
	}
	wait := time.Duration(0)
	if len(sr.pushes) == 0 {
		wait = r.waitParam(req)
	}
	if left, ok := r.untilExpiry(sr.expires); ok {
		// A long-poll must not deliver changes after the token expired:
		// it answers by then, and the next request gets token_expired.
		wait = min(wait, left)
	}
	ch, err := r.changesFor(req, space, have, peer, wait)
	if err != nil {
		return nil, err
	}
	for _, m := range outgoing(ch.Changes, r.cfg.Limits, true, ch.Done) {
		_ = hsync.AppendVersion(&buf, m, peer.proto)
	}
	return buf.Bytes(), nil
}

// waitParam reads ?wait=seconds, capped at MaxWait.
func (r *Relay) waitParam(req *http.Request) time.Duration {
	secs, err := strconv.ParseFloat(req.URL.Query().Get("wait"), 64)
	if err != nil || secs <= 0 {
		return 0
	}
	return min(time.Duration(secs*float64(time.Second)), r.cfg.MaxWait)
}

// changesFor returns the CHANGES batch for a client that has have; when
// there is none and wait > 0 it long-polls for up to wait.
func (r *Relay) changesFor(req *http.Request, space string, have crdt.VersionVector, p peer, wait time.Duration) (*hsync.Changes, error) {
	if wait > 0 {
		if err := r.admit(); err != nil {
			return nil, err
		}
		defer r.release()
		wake, unlisten := r.hub.listen(space) // before reading: no lost wake-up
		defer unlisten()
		timer := time.NewTimer(wait)
		defer timer.Stop()
		for {
			envs, more, err := r.changesTo(space, have, p)
			if err != nil || len(envs) > 0 {
				return &hsync.Changes{Changes: envs, Done: !more}, err
			}
			select {
			case <-wake:
			case <-timer.C:
				return &hsync.Changes{Done: true}, nil
			case <-req.Context().Done():
				return nil, req.Context().Err()
			case <-r.ctx.Done():
				return &hsync.Changes{Done: true}, nil
			}
		}
	}
	envs, more, err := r.changesTo(space, have, p)
	return &hsync.Changes{Changes: envs, Done: !more}, err
}

// httpStatus maps protocol codes to HTTP statuses.
var httpStatus = map[hsync.Code]int{
	hsync.CodeMalformed: http.StatusBadRequest, hsync.CodeVersion: http.StatusBadRequest,
	hsync.CodeUnknownType: http.StatusBadRequest, hsync.CodeUnexpected: http.StatusBadRequest,
	hsync.CodeSeqGap: http.StatusConflict, hsync.CodeSeqConflict: http.StatusConflict, hsync.CodeTooLarge: http.StatusRequestEntityTooLarge,
	hsync.CodeHistoryDropped: http.StatusGone, hsync.CodeSnapshotRefused: http.StatusConflict,
	hsync.CodeUnauthorized: http.StatusUnauthorized, hsync.CodeTokenExpired: http.StatusUnauthorized,
	hsync.CodeTooManyConnections: http.StatusServiceUnavailable,
	hsync.CodeShuttingDown:       http.StatusServiceUnavailable, hsync.CodeInternal: http.StatusInternalServerError,
}

// httpError answers a request that failed as a whole: the status for the
// code and a body of one ERROR frame, in the oldest version, which every
// client reads (the request may be one the relay could not read).
func (r *Relay) httpError(w http.ResponseWriter, err error) {
	e := r.logged(hsync.NewError(err, 0), err)
	frame, _ := hsync.EncodeVersion(e, hsync.MinProtocolVersion)
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(httpStatus[e.Code])
	_, _ = w.Write(frame)
}

func (r *Relay) logged(e *hsync.ErrorMessage, err error) *hsync.ErrorMessage {
	if e.Code == hsync.CodeInternal {
		r.cfg.Logger.Error("relay failure", "err", err)
	} else {
		r.cfg.Logger.Info("protocol error", "code", e.Code.String(), "err", err)
	}
	return e
}
