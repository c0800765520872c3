//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// Timings of the lock hand-over between tabs.
const (
	yieldFor  = time.Second            // after a request, let go after every commit for this long
	askEvery  = 250 * time.Millisecond // while waiting, ask the holder again this often
	holdIdle  = 2 * time.Second        // keep the lock this long after the last commit
	askSignal = "hearth:want-lock"     // BroadcastChannel message asking the holder to let go
)

// webLock is the Web Lock that serialises commits across tabs. A tab keeps
// it between commits that come in a burst (typing, say), so that a tab
// writing alone neither waits for the lock nor asks IndexedDB whether
// another tab wrote; a tab that wants it posts askSignal, and the holder
// lets go after its current commit and keeps letting go for a while. An
// idle tab lets go after holdIdle: a page holding a Web Lock is kept out of
// the back/forward cache and from being frozen.
type webLock struct {
	name  string
	locks safejs.Value // navigator.locks
	ask   func()       // posts askSignal to the other tabs; nil when they cannot be asked

	run sync.Mutex // one holder in this tab at a time, across the whole of fn

	mu         sync.Mutex // guards the fields below; never held while waiting
	holding    bool
	busy       bool
	release    safejs.Value // resolves the Promise that keeps the lock
	yieldUntil time.Time
	idle       *time.Timer // lets go after holdIdle without a commit
}

// exclusive runs fn holding the lock; continuous says the lock was kept since
// the previous call, so no other tab can have committed in between.
func (l *webLock) exclusive(ctx context.Context, fn func(continuous bool) error) error {
	l.run.Lock()
	defer l.run.Unlock()
	l.mu.Lock()
	continuous := l.holding
	l.busy = true
	l.mu.Unlock()
	if !continuous {
		if err := l.acquire(ctx); err != nil {
			l.mu.Lock()
			l.busy = false
			l.mu.Unlock()
			return err
		}
	}
	err := fn(continuous)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.busy = false
	if l.ask == nil || time.Now().Before(l.yieldUntil) {
		l.letGoLocked()
	} else if l.idle == nil {
		l.idle = time.AfterFunc(holdIdle, l.letGoIfIdle)
	} else {
		l.idle.Reset(holdIdle)
	}
	return err
}

func (l *webLock) letGoIfIdle() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.busy {
		l.letGoLocked()
	}
}

// acquire requests the lock, asking the holder to let go until it does.
func (l *webLock) acquire(ctx context.Context) error {
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
	if _, err := l.locks.Call("request", l.name, cb.Value()); err != nil {
		return fmt.Errorf("acquire the Web Lock %q: %v: %w", l.name, err, engine.ErrStorage)
	}
	ticker := time.NewTicker(askEvery)
	defer ticker.Stop()
	for {
		if l.ask != nil {
			l.ask()
		}
		select {
		case <-acquired:
			l.mu.Lock()
			l.holding, l.release = true, release
			l.mu.Unlock()
			return nil
		case <-ticker.C:
		case <-ctx.Done():
			// The request stays queued; let go at once when it is granted.
			go func() { <-acquired; _, _ = release.Invoke() }()
			return ctx.Err()
		}
	}
}

// wanted handles another tab's askSignal: let go now if idle, else after
// the commit under way, and keep letting go for yieldFor.
func (l *webLock) wanted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.yieldUntil = time.Now().Add(yieldFor)
	if !l.busy {
		l.letGoLocked()
	}
}

// close lets go of the lock for good (the tab is closing the database).
func (l *webLock) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ask = nil
	l.letGoLocked()
}

func (l *webLock) letGoLocked() {
	if l.holding {
		l.holding = false
		_, _ = l.release.Invoke()
	}
}
