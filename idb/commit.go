//go:build js && wasm

package idb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/hack-pad/go-indexeddb/idb"
	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// A storage commit crosses from Go into JS once: its writes travel as one
// byte buffer, which a JS function (commitSource) unpacks into the puts
// and deletes of one readwrite transaction, then commits it. Through
// go-indexeddb each write cost half a dozen crossings (a Uint8Array made
// and filled, the key, the object store, the put, its request wrapped),
// which in an import of 1,000 documents weighed as much as the puts.
//
// The buffer holds, per write: the index of its store in the stores
// passed beside it (one byte), the key's length (uvarint) and UTF-8
// bytes, then 0 for a delete, or the value's length plus one (uvarint)
// and the value.

// commitSource is the JS function: (db, stores, buf) => Promise that
// resolves once the transaction completes and rejects with its error.
// IDBTransaction.commit(), where the browser has it, tells IndexedDB that
// no request follows, so it commits without waiting for the task to end.
const commitSource = `return (db, stores, buf) => new Promise((resolve, reject) => {
  let tx;
  try { tx = db.transaction(stores, 'readwrite'); } catch (e) { reject(e); return; }
  tx.oncomplete = () => resolve();
  tx.onabort = () => reject(tx.error || new DOMException('the transaction was aborted', 'AbortError'));
  const os = stores.map((s) => tx.objectStore(s));
  const dec = new TextDecoder();
  let i = 0;
  const uvarint = () => { let x = 0, m = 1, b; do { b = buf[i++]; x += (b & 127) * m; m *= 128; } while (b & 128); return x; };
  try {
    while (i < buf.length) {
      const o = os[buf[i++]];
      const kn = uvarint();
      const key = dec.decode(buf.subarray(i, i + kn));
      i += kn;
      const vn = uvarint();
      if (vn === 0) { o.delete(key); continue; }
      o.put(buf.slice(i, i + vn - 1), key);
      i += vn - 1;
    }
    if (tx.commit) tx.commit();
  } catch (e) {
    try { tx.abort(); } catch {}
    reject(e);
  }
});`

// batchCommit returns the JS function of commitSource, made once; ok is
// false where it could not be (a Content-Security-Policy without
// 'unsafe-eval'): the caller then writes through go-indexeddb.
var batchCommit = sync.OnceValues(func() (safejs.Value, bool) { return makeFunction(commitSource) })

// encodeBatch returns the stores writes touch and the buffer of writes.
func encodeBatch(writes []engine.Write) (stores []any, buf []byte, err error) {
	index := map[string]byte{}
	size := 0
	for _, w := range writes {
		size += len(w.Key) + len(w.Value) + 2*binary.MaxVarintLen64 + 1
		if _, ok := index[w.Store]; !ok {
			if len(stores) == 255 {
				return nil, nil, fmt.Errorf("a commit over more than 255 stores: %w", engine.ErrInvalidArgument)
			}
			index[w.Store] = byte(len(stores))
			stores = append(stores, w.Store)
		}
	}
	buf = make([]byte, 0, size)
	for _, w := range writes {
		buf = append(buf, index[w.Store])
		buf = binary.AppendUvarint(buf, uint64(len(w.Key)))
		buf = append(buf, w.Key...)
		if w.Value == nil {
			buf = append(buf, 0)
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(w.Value))+1)
		buf = append(buf, w.Value...)
	}
	return stores, buf, nil
}

// commit stores writes in one readwrite transaction of the raw
// connection, through fn.
func (c *rawConn) commit(ctx context.Context, fn safejs.Value, writes []engine.Write) error {
	stores, buf, err := encodeBatch(writes)
	if err != nil {
		return err
	}
	arr, err := BytesToJS(buf)
	if err != nil {
		return err
	}
	jsStores, err := safejs.ValueOf(stores)
	if err != nil {
		return err
	}
	promise, err := fn.Invoke(c.db, jsStores, arr)
	if err != nil {
		return err
	}
	return awaitPromise(ctx, promise)
}

// awaitPromise waits for promise to settle; a rejection with a
// DOMException becomes an error mapError gives its stable code.
func awaitPromise(ctx context.Context, promise safejs.Value) error {
	return awaitCallbacks(ctx, func(ok, fail safejs.Value) error {
		_, err := promise.Call("then", ok, fail)
		return err
	}, func() (bool, error) { return true, nil }, func(args []safejs.Value) error {
		if len(args) == 0 {
			return exceptionError(safejs.Undefined())
		}
		return exceptionError(args[0])
	})
}

// exceptionError describes a thrown or rejected DOMException (or Error).
func exceptionError(e safejs.Value) error {
	if e.IsNull() || e.IsUndefined() {
		return errors.New("IndexedDB commit failed")
	}
	name, _ := e.Get("name")
	msg, _ := e.Get("message")
	n, _ := name.String()
	m, _ := msg.String()
	return fmt.Errorf("%w: %s", idb.NewDOMException(n), m)
}
