//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
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
	init, err := lookup("JSON").Call("parse", `{"method":"POST","headers":{"content-type":"application/vnd.hearth.sync+msgpack"}}`)
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

// await calls start, which returns a Promise, and waits for it to settle.
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
	defer onOK.Release()
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		msg := "rejected"
		if m, err := args[0].Get("message"); err == nil {
			msg, _ = m.String()
		}
		done <- result{err: fmt.Errorf("%s failed: %s", what, msg)}
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	defer onErr.Release()
	if _, err := p.Call("then", onOK.Value(), onErr.Value()); err != nil {
		return safejs.Value{}, err
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		<-done // the aborted fetch still settles; its handlers must run before release
		return safejs.Value{}, ctx.Err()
	}
}
