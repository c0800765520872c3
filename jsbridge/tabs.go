//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/idb"
)

// tabs is the engine.Coordinator of a database shared by the tabs (and
// workers) of one origin: a Web Lock serialises commits, and a
// BroadcastChannel carries each commit's notice to the others.
type tabs struct {
	name    string
	channel safejs.Value // BroadcastChannel, or undefined where there is none
	locks   safejs.Value // navigator.locks, or undefined
	local   sync.Mutex   // the lock where Web Locks are missing (one tab only)
	onMsg   safejs.Func

	// Received notices wait in an unbounded queue: the JS callback that
	// receives them must never block, and none may be dropped.
	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	closed bool
}

// newTabs joins the tabs of database name. Notices received go to the
// function given to deliverTo, one at a time and in order.
func newTabs(name string) (*tabs, error) {
	t := &tabs{name: "hearth:" + name, wake: make(chan struct{}, 1)}
	t.locks = lookup("navigator", "locks")
	ctor, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || ctor.IsUndefined() {
		t.channel = safejs.Undefined()
		return t, nil
	}
	if t.channel, err = ctor.New(t.name); err != nil {
		return nil, err
	}
	t.onMsg, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if data, err := args[0].Get("data"); err == nil {
			if b, err := idb.BytesFromJS(data); err == nil {
				t.push(b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := t.channel.Set("onmessage", t.onMsg.Value()); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tabs) push(msg []byte) {
	t.mu.Lock()
	t.queue = append(t.queue, msg)
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// deliverTo starts handing queued and later notices to deliver, from a
// goroutine of its own, until close.
func (t *tabs) deliverTo(deliver func([]byte)) {
	go func() {
		for range t.wake {
			for {
				t.mu.Lock()
				if t.closed || len(t.queue) == 0 {
					t.mu.Unlock()
					break
				}
				msg := t.queue[0]
				t.queue = t.queue[1:]
				t.mu.Unlock()
				deliver(msg)
			}
		}
	}()
}

// Exclusive implements engine.Coordinator with navigator.locks.request: the
// lock is held until the Promise handed back to it settles, after fn.
func (t *tabs) Exclusive(ctx context.Context, fn func() error) error {
	if t.locks.IsUndefined() {
		t.local.Lock()
		defer t.local.Unlock()
		return fn()
	}
	acquired := make(chan struct{}, 1)
	var release safejs.Value
	held, err := newPromise(func(resolve, _ safejs.Value) { release = resolve })
	if err != nil {
		return err
	}
	cb, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		acquired <- struct{}{}
		return held
	})
	if err != nil {
		return err
	}
	defer cb.Release()
	if _, err := t.locks.Call("request", t.name, cb.Value()); err != nil {
		return fmt.Errorf("acquire the Web Lock %q: %v: %w", t.name, err, engine.ErrStorage)
	}
	select {
	case <-acquired:
	case <-ctx.Done():
		// The request stays queued; release at once when it is granted.
		go func() { <-acquired; _, _ = release.Invoke() }()
		return ctx.Err()
	}
	defer release.Invoke()
	return fn()
}

// Publish implements engine.Coordinator.
func (t *tabs) Publish(msg []byte) {
	if t.channel.IsUndefined() {
		return
	}
	if arr, err := idb.BytesToJS(msg); err == nil {
		_, _ = t.channel.Call("postMessage", arr)
	}
}

// close leaves the channel and stops delivering.
func (t *tabs) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	close(t.wake)
	if !t.channel.IsUndefined() {
		_, _ = t.channel.Call("close")
		t.onMsg.Release()
	}
}

// lookup returns globalThis[path[0]][path[1]]..., or undefined.
func lookup(path ...string) safejs.Value {
	v := safejs.Global()
	for _, p := range path {
		next, err := v.Get(p)
		if err != nil || next.IsUndefined() || next.IsNull() {
			return safejs.Undefined()
		}
		v = next
	}
	return v
}
