//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// asyncFunc is the Go side of an exported method: it runs in its own
// goroutine and its result becomes the Promise's value.
type asyncFunc func(ctx context.Context, args []safejs.Value) (any, error)

// promise runs fn in a goroutine and returns a Promise of its result, so
// the JS event loop is never blocked. A panic in fn rejects the Promise.
func promise(fn asyncFunc, args []safejs.Value) (safejs.Value, error) {
	var resolve, reject safejs.Value
	p, err := newPromise(func(res, rej safejs.Value) { resolve, reject = res, rej })
	if err != nil {
		return safejs.Value{}, err
	}
	go settle(fn, args, resolve, reject)
	return p, nil
}

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
// undefined. engine.js parses it.
func wire(v any) (any, error) {
	if _, ok := v.(undefined); ok {
		return safejs.Undefined(), nil
	}
	b, err := appendJSON(nil, v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

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

// exported wraps fn as a JS function that returns a Promise. If even the
// Promise cannot be made, it throws rather than returning garbage.
func exported(fn asyncFunc) (safejs.Func, error) {
	return safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		p, err := promise(fn, args)
		if err != nil {
			panic(errors.Join(errors.New("hearth: cannot create a Promise"), err))
		}
		return p
	})
}
