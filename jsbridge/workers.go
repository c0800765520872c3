//go:build js && wasm

package jsbridge

import "sync/atomic"

// Exported calls run on goroutines that outlive the call. A fresh goroutine
// starts with a small stack, and a commit calls deep enough (engine, CRDT,
// query registry, subscriber callbacks) to grow it several times, each time
// copying it: in the write → callback profile that was about as costly as
// decoding the operations. A goroutine kept idle keeps its grown stack (until
// a GC finds it mostly unused and shrinks it).

// maxIdleWorkers bounds the goroutines kept waiting, so a burst of
// concurrent calls does not leave its goroutines behind.
const maxIdleWorkers = 4

var (
	idleWork    = make(chan func()) // unbuffered: a send succeeds only into a waiting worker
	idleWorkers atomic.Int32
)

// goWork runs f on an idle worker goroutine, or on a new one.
func goWork(f func()) {
	select {
	case idleWork <- f:
	default:
		go worker(f)
	}
}

func worker(f func()) {
	for {
		f()
		if idleWorkers.Add(1) > maxIdleWorkers {
			idleWorkers.Add(-1)
			return
		}
		f = <-idleWork
		idleWorkers.Add(-1)
	}
}
