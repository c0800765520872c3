//go:build js && wasm

package jsbridge

import (
	"context"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/idb"
)

// tabs is the engine.Coordinator of a database shared by the tabs (and
// workers) of one origin: a Web Lock serialises commits, and a
// BroadcastChannel carries each commit's notice to the others.
type tabs struct {
	name    string
	channel safejs.Value // BroadcastChannel, or undefined where there is none
	lock    *webLock     // nil where Web Locks are missing (then one tab only)
	local   sync.Mutex   // the lock without Web Locks
	onMsg   safejs.Func

	// Received notices wait in an unbounded queue: the JS callback that
	// receives them must never block, and none may be dropped.
	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	closed bool

	// Notices to send wait in order for their own goroutine (sendLoop),
	// so that a commit's caller hears its outcome before the notice is
	// posted: postMessage costs a third of a millisecond.
	out     [][]byte
	outWake chan struct{}
	sent    chan struct{} // closed when sendLoop has sent everything and ended
}

// newTabs joins the tabs of database name. Notices received go to the
// function given to deliverTo, one at a time and in order.
func newTabs(name string) (*tabs, error) {
	t := &tabs{name: "hearth:" + name, wake: make(chan struct{}, 1), outWake: make(chan struct{}, 1), sent: make(chan struct{})}
	if locks := lookup("navigator", "locks"); !locks.IsUndefined() {
		t.lock = &webLock{name: t.name, locks: locks}
	}
	ctor, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || ctor.IsUndefined() {
		t.channel = safejs.Undefined()
		return t, nil
	}
	if t.channel, err = ctor.New(t.name); err != nil {
		return nil, err
	}
	if t.lock != nil {
		t.lock.ask = func() { _, _ = t.channel.Call("postMessage", askSignal) }
	}
	t.onMsg, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		data, err := args[0].Get("data")
		if err != nil {
			return nil
		}
		if s, err := data.String(); err == nil && s == askSignal && t.lock != nil {
			t.lock.wanted()
		} else if b, err := idb.BytesFromJS(data); err == nil {
			t.push(b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := t.channel.Set("onmessage", t.onMsg.Value()); err != nil {
		return nil, err
	}
	go t.sendLoop()
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

// Exclusive implements engine.Coordinator with the Web Lock.
func (t *tabs) Exclusive(ctx context.Context, fn func(continuous bool) error) error {
	if t.lock == nil {
		t.local.Lock()
		defer t.local.Unlock()
		return fn(false)
	}
	return t.lock.exclusive(ctx, fn)
}

// Publish implements engine.Coordinator: it queues msg for sendLoop.
func (t *tabs) Publish(msg []byte) {
	if t.channel.IsUndefined() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed { // close closed outWake
		return
	}
	t.out = append(t.out, msg)
	select {
	case t.outWake <- struct{}{}:
	default:
	}
}

// sendLoop posts queued notices in order until close, and the last ones
// before it ends.
func (t *tabs) sendLoop() {
	defer close(t.sent)
	for range t.outWake {
		for {
			t.mu.Lock()
			out := t.out
			t.out = nil
			t.mu.Unlock()
			if len(out) == 0 {
				break
			}
			for _, msg := range out {
				if arr, err := idb.BytesToJS(msg); err == nil {
					_, _ = t.channel.Call("postMessage", arr)
				}
			}
		}
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
	if t.lock != nil {
		t.lock.close()
	}
	if !t.channel.IsUndefined() {
		close(t.outWake)
		t.mu.Unlock()
		<-t.sent // the notices queued go out first
		t.mu.Lock()
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
