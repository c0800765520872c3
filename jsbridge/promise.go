//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// asyncFunc is the Go side of an exported method: it runs in its own
// goroutine and its result settles the Promise of the call.
type asyncFunc func(ctx context.Context, args []safejs.Value) (any, error)

// newPromise returns a new Promise, handing its resolve and reject
// functions to init before returning.
func newPromise(init func(resolve, reject safejs.Value)) (safejs.Value, error) {
	executor, err := safejs.FuncOf(func(_ safejs.Value, a []safejs.Value) any {
		init(a[0], a[1])
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	defer executor.Release() // the Promise constructor calls it synchronously
	return jsPromise.New(executor.Value())
}

func settle(fn asyncFunc, args []safejs.Value, resolve, reject safejs.Value) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("internal error in Hearth: %v\n%s", r, debug.Stack())
			_, _ = reject.Invoke(jsErrorOf(err))
		}
	}()
	result, err := fn(context.Background(), args)
	if err != nil {
		_, _ = reject.Invoke(jsErrorOf(err))
		return
	}
	v, err := wire(result)
	if err != nil {
		_, _ = reject.Invoke(jsErrorOf(err))
		return
	}
	_, _ = resolve.Invoke(v)
}

// wire is how every result and callback value crosses to JS: JSON text, or
// undefined. engine.js (or, from the worker, proxy.js) parses it.
func wire(v any) (any, error) {
	if _, ok := v.(undefined); ok {
		return safejs.Undefined(), nil
	}
	buf := wireBuffers.Get().(*[]byte)
	b, err := appendJSON((*buf)[:0], v)
	text := string(b)
	if cap(b) <= maxPooledWire { // a whole collection's text is not kept
		*buf = b
		wireBuffers.Put(buf)
	}
	if err != nil {
		return nil, err
	}
	return text, nil
}

const maxPooledWire = 1 << 20

// wireBuffers keeps grown buffers for wire, which would otherwise regrow
// one for every callback.
var wireBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// jsErrorOf makes a JS Error whose name is err's stable engine code, so apps
// can tell an InvalidArgumentError from a QuotaExceededError.
func jsErrorOf(err error) safejs.Value {
	e, jerr := jsError.New(err.Error())
	if jerr != nil {
		return safejs.Null()
	}
	_ = e.Set("name", string(engine.CodeOf(err)))
	return e
}

// exported wraps fn as the JS function engine.js calls as
// f(resolve, reject, ...args), inside the executor of the Promise it
// returns: making the Promise in JS saves a js.Func executor, a nested call
// back into Go and a Promise construction through syscall/js per call. fn
// runs in a goroutine, so the JS event loop is never blocked, and settles
// the Promise; a panic in fn rejects it.
func exported(fn asyncFunc) (safejs.Func, error) {
	return safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) < 2 || !isFunc(args[0]) || !isFunc(args[1]) {
			// Not called by engine.js: there is no Promise to reject.
			return jsErrorOf(errors.New("hearth: call the engine through the hearthdb package (resolve and reject come first)"))
		}
		resolve, reject, rest := args[0], args[1], args[2:]
		goWork(func() { settle(fn, rest, resolve, reject) })
		return nil
	})
}

func isFunc(v safejs.Value) bool {
	t, err := typeOf(v)
	return err == nil && t == safejs.TypeFunction
}
