//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/idb"
)

// fetchPoller is a sync.Poller over the browser's fetch: one POST to the
// relay's /v1/sync per exchange, aborted when ctx ends.
type fetchPoller struct {
	url string // http(s)://host:port/v1/sync
}

// Poll implements sync.Poller.
func (p fetchPoller) Poll(ctx context.Context, body []byte, wait time.Duration) ([]byte, error) {
	url := p.url
	if wait > 0 {
		url = fmt.Sprintf("%s?wait=%g", url, wait.Seconds())
	}
	payload, err := idb.BytesToJS(body)
	if err != nil {
		return nil, err
	}
	abort, err := lookup("AbortController").New()
	if err != nil {
		return nil, err
	}
	signal, _ := abort.Get("signal")
	init, err := lookup("JSON").Call("parse", `{"method":"POST","headers":{"content-type":"`+syncContentType+`"}}`)
	if err != nil {
		return nil, err
	}
	_ = init.Set("body", payload)
	_ = init.Set("signal", signal)
	stop := context.AfterFunc(ctx, func() { _, _ = abort.Call("abort") })
	defer stop()
	resp, err := await(ctx, "fetch", func() (safejs.Value, error) { return safejs.Global().Call("fetch", url, init) })
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", p.url, err)
	}
	if err := protocolAnswer(resp); err != nil {
		return nil, fmt.Errorf("POST %s: %w", p.url, err)
	}
	buf, err := await(ctx, "read response", func() (safejs.Value, error) { return resp.Call("arrayBuffer") })
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", p.url, err)
	}
	arr, err := jsUint8Array.New(buf)
	if err != nil {
		return nil, err
	}
	return idb.BytesFromJS(arr)
}

// syncContentType is the media type of the HTTP binding's bodies; a
// relay's error answers carry it too (one ERROR frame).
const syncContentType = "application/vnd.hearth.sync+msgpack"

// protocolAnswer returns an error for a response that is not the relay's
// (a proxy's 502 page, say), so that the status says "network", not
// "malformed".
func protocolAnswer(resp safejs.Value) error {
	status, _ := resp.Get("status")
	code, _ := status.Int()
	headers, err := resp.Get("headers")
	if err != nil {
		return err
	}
	ct, err := headers.Call("get", "content-type")
	if err != nil {
		return err
	}
	if t, _ := typeOf(ct); t == safejs.TypeString {
		if s, _ := ct.String(); strings.HasPrefix(s, syncContentType) {
			return nil
		}
	}
	if code == 200 {
		return nil // an old relay may not label its answers
	}
	return fmt.Errorf("HTTP %d without a sync body", code)
}

// await calls start, which returns a Promise, and waits for it to settle
// or for ctx to end. A rejection's message (or the value itself, when it
// is not an Error) becomes the error.
func await(ctx context.Context, what string, start func() (safejs.Value, error)) (safejs.Value, error) {
	p, err := start()
	if err != nil {
		return safejs.Value{}, err
	}
	type result struct {
		v   safejs.Value
		err error
	}
	done := make(chan result, 1)
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		done <- result{err: fmt.Errorf("%s failed: %s", what, reason(args[0]))}
		return nil
	})
	if err != nil {
		onOK.Release()
		return safejs.Value{}, err
	}
	release := func() { onOK.Release(); onErr.Release() }
	if _, err := p.Call("then", onOK.Value(), onErr.Value()); err != nil {
		release()
		return safejs.Value{}, err
	}
	select {
	case r := <-done:
		release()
		return r.v, r.err
	case <-ctx.Done():
		// The Promise may settle later (an aborted fetch does, a token
		// provider may not): its handlers must stay until it does.
		go func() { <-done; release() }()
		return safejs.Value{}, ctx.Err()
	}
}

// reason describes a Promise's rejection value.
func reason(v safejs.Value) string {
	if m, err := v.Get("message"); err == nil {
		if t, err := typeOf(m); err == nil && t == safejs.TypeString {
			s, _ := m.String()
			return s
		}
	}
	s, err := lookup("String").Invoke(v)
	if err != nil {
		return "rejected"
	}
	str, _ := s.String()
	return str
}
