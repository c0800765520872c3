//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/idb"
	hsync "github.com/hearthdb/hearth/sync"
)

// errSocketClosed reports a WebSocket that closed or failed.
var errSocketClosed = errors.New("the WebSocket connection closed")

// webSocket is a sync.Transport over the browser's WebSocket, one binary
// message per frame.
type webSocket struct {
	ws       safejs.Value
	frames   chan []byte
	done     chan struct{}
	once     sync.Once
	err      error
	handlers []safejs.Func
}

// dialWebSocket returns a sync.Dialer for url (ws:// or wss://).
func dialWebSocket(url string) hsync.Dialer {
	return func(ctx context.Context) (hsync.Transport, error) {
		ctor := lookup("WebSocket")
		if ctor.IsUndefined() {
			return nil, errors.New("this environment has no WebSocket; use the fetch transport")
		}
		ws, err := ctor.New(url)
		if err != nil {
			return nil, fmt.Errorf("open WebSocket %s: %w", url, err)
		}
		t := &webSocket{ws: ws, frames: make(chan []byte, 64), done: make(chan struct{})}
		opened := make(chan struct{}, 1)
		if err := t.listen(opened); err != nil {
			t.Close()
			return nil, err
		}
		select {
		case <-opened:
			return t, nil
		case <-t.done:
			return nil, fmt.Errorf("connect to %s: %w", url, t.err)
		case <-ctx.Done():
			t.Close()
			return nil, ctx.Err()
		}
	}
}

func (t *webSocket) listen(opened chan<- struct{}) error {
	if err := t.ws.Set("binaryType", "arraybuffer"); err != nil {
		return err
	}
	on := map[string]func(safejs.Value){
		"onopen": func(safejs.Value) { opened <- struct{}{} },
		"onmessage": func(ev safejs.Value) {
			data, err := ev.Get("data")
			if err == nil {
				var arr safejs.Value
				if arr, err = jsUint8Array.New(data); err == nil {
					var b []byte
					if b, err = idb.BytesFromJS(arr); err == nil {
						t.frames <- b
						return
					}
				}
			}
			t.fail(fmt.Errorf("unreadable WebSocket message: %v", err))
		},
		"onerror": func(safejs.Value) { t.fail(errSocketClosed) },
		"onclose": func(ev safejs.Value) {
			code, _ := ev.Get("code")
			n, _ := code.Int()
			t.fail(fmt.Errorf("%w (code %d)", errSocketClosed, n))
		},
	}
	for name, fn := range on {
		f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
			fn(args[0])
			return nil
		})
		if err != nil {
			return err
		}
		t.handlers = append(t.handlers, f)
		if err := t.ws.Set(name, f.Value()); err != nil {
			return err
		}
	}
	return nil
}

// fail ends the connection once, with err as its reason.
func (t *webSocket) fail(err error) {
	t.once.Do(func() {
		t.err = err
		close(t.done)
	})
}

// Send implements sync.Transport.
func (t *webSocket) Send(_ context.Context, frame []byte) error {
	select {
	case <-t.done:
		return t.err
	default:
	}
	arr, err := idb.BytesToJS(frame)
	if err != nil {
		return err
	}
	_, err = t.ws.Call("send", arr)
	return err
}

// Recv implements sync.Transport. Frames received before a close are
// still delivered.
func (t *webSocket) Recv(ctx context.Context) ([]byte, error) {
	select {
	case f := <-t.frames:
		return f, nil
	default:
	}
	select {
	case f := <-t.frames:
		return f, nil
	case <-t.done:
		return nil, t.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close implements sync.Transport.
func (t *webSocket) Close() error {
	t.fail(errSocketClosed)
	_, err := t.ws.Call("close")
	for _, name := range []string{"onopen", "onmessage", "onerror", "onclose"} {
		_ = t.ws.Set(name, safejs.Null())
	}
	for _, h := range t.handlers {
		h.Release()
	}
	t.handlers = nil
	return err
}
