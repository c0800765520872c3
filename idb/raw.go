//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// scanPage is how many records one getAll request of a scan returns.
const scanPage = 1000

// rawConn is a second connection to the database, used through safejs for
// what go-indexeddb does not offer: the "versionchange" event (another tab
// upgrading or deleting the database, which this tab must not block) and
// getAll, which reads a page of records in one request where a cursor costs
// one event per record.
type rawConn struct {
	db    safejs.Value
	funcs []safejs.Func
	once  sync.Once
}

// openRaw opens the raw connection; onVersionChange runs once if another
// tab needs the database upgraded or deleted.
func openRaw(ctx context.Context, database string, onVersionChange func()) (*rawConn, error) {
	factory, err := safejs.Global().Get("indexedDB")
	if err != nil {
		return nil, err
	}
	req, err := factory.Call("open", database)
	if err != nil {
		return nil, err
	}
	db, err := awaitRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	c := &rawConn{db: db}
	f, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		c.close()
		onVersionChange()
		return nil
	})
	if err != nil {
		c.close()
		return nil, err
	}
	c.funcs = append(c.funcs, f)
	return c, db.Set("onversionchange", f.Value())
}

func (c *rawConn) close() {
	c.once.Do(func() {
		_, _ = c.db.Call("close")
		for _, f := range c.funcs {
			f.Release()
		}
	})
}

// scan calls fn with the records of store whose key starts with prefix,
// in key order, a page of getAllKeys + getAll at a time.
func (c *rawConn) scan(ctx context.Context, store, prefix string, fn func([]engine.KV) error) error {
	lower, open := prefix, false
	for {
		keys, values, err := c.page(ctx, store, lower, open)
		if err != nil {
			return err
		}
		n, err := keys.Length()
		if err != nil {
			return err
		}
		kvs, err := records(keys, values, n)
		if err != nil {
			return err
		}
		// Keys are sorted: the page ends where they leave the prefix.
		in := len(kvs)
		for in > 0 && !strings.HasPrefix(kvs[in-1].Key, prefix) {
			in--
		}
		if in > 0 {
			if err := fn(kvs[:in]); err != nil {
				return err
			}
		}
		if n < scanPage || in < n {
			return nil
		}
		lower, open = kvs[n-1].Key, true
	}
}

// page reads up to scanPage keys and values from lower on, in one
// transaction: both requests go out before the second is awaited.
func (c *rawConn) page(ctx context.Context, store, lower string, open bool) (keys, values safejs.Value, err error) {
	os, err := c.readOnly(store)
	if err != nil {
		return keys, values, err
	}
	keyRange, err := lookupKeyRange().Call("lowerBound", lower, open)
	if err != nil {
		return keys, values, err
	}
	keysReq, err := os.Call("getAllKeys", keyRange, scanPage)
	if err != nil {
		return keys, values, err
	}
	valuesReq, err := os.Call("getAll", keyRange, scanPage)
	if err != nil {
		return keys, values, err
	}
	if values, err = awaitRequest(ctx, valuesReq); err != nil {
		return keys, values, err
	}
	keys, err = keysReq.Get("result") // settled before valuesReq: requests complete in order
	return keys, values, err
}

func lookupKeyRange() safejs.Value {
	kr, _ := safejs.Global().Get("IDBKeyRange")
	return kr
}

// awaitRequest waits for an IDBRequest to succeed or fail.
func awaitRequest(ctx context.Context, req safejs.Value) (safejs.Value, error) {
	if err := awaitEvents(ctx, req, func() (bool, error) { return true, nil }); err != nil {
		return safejs.Value{}, err
	}
	return req.Get("result")
}

// awaitEvents calls onSuccess at each success event of req (a cursor fires
// one per step) until it reports done or an error, or req fails.
func awaitEvents(ctx context.Context, req safejs.Value, onSuccess func() (done bool, err error)) error {
	return awaitCallbacks(ctx, func(ok, fail safejs.Value) error {
		if err := req.Set("onsuccess", ok); err != nil {
			return err
		}
		return req.Set("onerror", fail)
	}, onSuccess, func([]safejs.Value) error { return requestError(req) })
}

// awaitCallbacks makes two JS callbacks, hands them to attach, and waits
// until the first (ok) has reported done or an error, or the second
// (fail) has been called, and returns fail's error.
func awaitCallbacks(ctx context.Context, attach func(ok, fail safejs.Value) error, ok func() (done bool, err error), fail func(args []safejs.Value) error) error {
	result := make(chan error, 1)
	success, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		if done, err := ok(); done || err != nil {
			result <- err
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer success.Release()
	failure, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		result <- fail(args)
		return nil
	})
	if err != nil {
		return err
	}
	defer failure.Release()
	if err := attach(success.Value(), failure.Value()); err != nil {
		return err
	}
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// requestError describes a failed IDBRequest by its DOMException, wrapped so
// that mapError gives it its stable code like go-indexeddb's errors.
func requestError(req safejs.Value) error {
	e, err := req.Get("error")
	if err != nil || e.IsNull() {
		return errors.New("IndexedDB request failed")
	}
	return exceptionError(e)
}

// readOnly opens store in a new readonly transaction.
func (c *rawConn) readOnly(store string) (safejs.Value, error) {
	txn, err := c.db.Call("transaction", store, "readonly")
	if err != nil {
		return txn, err
	}
	return txn.Call("objectStore", store)
}

// keys returns up to limit keys of store in [lo, hi) (no upper bound when
// hi is ""), in one getAllKeys request: descending through its direction
// option where the browser has it, else with a key cursor walked from the
// top.
func (c *rawConn) keys(ctx context.Context, store, lo, hi string, reverse bool, limit int) ([]string, error) {
	if hi != "" && hi <= lo {
		return nil, nil // IDBKeyRange.bound throws on an empty range
	}
	keyRange, err := boundRange(lo, hi)
	if err != nil {
		return nil, err
	}
	os, err := c.readOnly(store)
	if err != nil {
		return nil, err
	}
	var args []any
	switch {
	case reverse && !getAllHasDirection():
		req, err := os.Call("openKeyCursor", keyRange, "prev")
		if err != nil {
			return nil, err
		}
		return walkKeys(ctx, req, limit)
	case reverse: // IDBGetAllOptions: the overload with a direction
		opts := map[string]any{"query": keyRange, "direction": "prev"}
		if limit > 0 {
			opts["count"] = limit
		}
		args = []any{opts}
	case limit > 0:
		args = []any{keyRange, limit}
	default:
		args = []any{keyRange}
	}
	req, err := os.Call("getAllKeys", args...)
	if err != nil {
		return nil, err
	}
	list, err := awaitRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	return stringList(list)
}

// getAllHasDirection reports whether getAllKeys takes IDBGetAllOptions with
// a direction (Chromium 141+), which came with getAllRecords.
var getAllHasDirection = sync.OnceValue(func() bool {
	proto, err := safejs.Global().Get("IDBObjectStore")
	if err == nil {
		proto, err = proto.Get("prototype")
	}
	if err != nil {
		return false
	}
	has, err := safejs.Global().Get("Reflect")
	if err == nil {
		has, err = has.Call("has", proto, "getAllRecords")
	}
	ok, _ := has.Bool()
	return err == nil && ok
})

// boundRange is the IDBKeyRange [lo, hi), or [lo, ∞) when hi is "".
func boundRange(lo, hi string) (safejs.Value, error) {
	if hi == "" {
		return lookupKeyRange().Call("lowerBound", lo)
	}
	return lookupKeyRange().Call("bound", lo, hi, false, true)
}

// walkKeys steps a key cursor until it ends or limit keys are read.
func walkKeys(ctx context.Context, req safejs.Value, limit int) ([]string, error) {
	var out []string
	err := awaitEvents(ctx, req, func() (bool, error) {
		cursor, err := req.Get("result")
		if err != nil || cursor.IsNull() {
			return true, err
		}
		k, err := cursor.Get("key")
		if err != nil {
			return true, err
		}
		key, err := k.String()
		if err != nil {
			return true, err
		}
		out = append(out, key)
		if limit > 0 && len(out) >= limit {
			return true, nil
		}
		_, err = cursor.Call("continue")
		return err != nil, err
	})
	return out, err
}

func stringList(list safejs.Value) ([]string, error) {
	n, err := list.Length()
	if err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		v, err := list.Index(i)
		if err != nil {
			return nil, err
		}
		if out[i], err = v.String(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
