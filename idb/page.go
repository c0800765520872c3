//go:build js && wasm

package idb

import (
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/internal/kvpage"
)

// packSource is a JS function that packs a getAll page (its keys and its
// Uint8Array values) into one Uint8Array in kvpage's format, so that the
// page crosses into Go in one copy: reading a record at a time cost four
// syscall/js calls per record (two of them with a finalizer), most of a
// collection load's time in Go. It returns the index of the first record
// whose key is not a string or whose value is not a Uint8Array instead.
const packSource = `return function hearthPackPage(keys, values) {
  const n = values.length;
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (typeof keys[i] !== 'string' || !(values[i] instanceof Uint8Array)) return i;
    size += 8 + 3 * keys[i].length + values[i].length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const utf8 = new TextEncoder();
  let at = 0;
  for (let i = 0; i < n; i++) {
    const { written } = utf8.encodeInto(keys[i], out.subarray(at + 4));
    view.setUint32(at, written, true);
    at += 4 + written;
    const v = values[i];
    view.setUint32(at, v.length, true);
    out.set(v, at + 4);
    at += 4 + v.length;
  }
  return out.subarray(0, at);
}`

// packer returns the page-packing function, made once from packSource;
// ok is false where the page's Content Security Policy forbids that (no
// 'unsafe-eval'): scans then read record by record, as before.
var packer = sync.OnceValues(func() (safejs.Value, bool) { return makeFunction(packSource) })

// makeFunction returns the function that source, the body of a JS
// function without arguments, returns: made with the Function
// constructor, so ok is false where the page's policy forbids it.
func makeFunction(source string) (fn safejs.Value, ok bool) {
	ctor, err := safejs.Global().Get("Function")
	if err != nil {
		return safejs.Value{}, false
	}
	factory, err := ctor.New(source)
	if err != nil {
		return safejs.Value{}, false
	}
	fn, err = factory.Invoke()
	return fn, err == nil
}

// packPages is false in tests of the record-by-record fallback.
var packPages = true

// records returns the first n records of a getAll page (keys and values,
// as JS arrays).
func records(keys, values safejs.Value, n int) ([]engine.KV, error) {
	if pack, ok := packer(); ok && packPages {
		return packed(pack, keys, values, n)
	}
	out := make([]engine.KV, n)
	for i := range out {
		var err error
		if out[i], err = record(keys, values, i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// packed reads a page through the packing function: one call, one copy.
func packed(pack, keys, values safejs.Value, n int) ([]engine.KV, error) {
	page, err := pack.Invoke(keys, values)
	if err != nil {
		return nil, err
	}
	if page.Type() == safejs.TypeNumber {
		i, _ := page.Int()
		return nil, fmt.Errorf("record %d of a page is not a string key and bytes: %w", i, engine.ErrStorage)
	}
	b, err := BytesFromJS(page)
	if err != nil {
		return nil, err
	}
	out := make([]engine.KV, 0, n)
	err = kvpage.Each(b, func(key string, value []byte) error {
		out = append(out, engine.KV{Key: key, Value: value})
		return nil
	})
	if err != nil || len(out) != n {
		return nil, fmt.Errorf("a packed page of %d records read as %d: %v: %w", n, len(out), err, engine.ErrStorage)
	}
	return out, nil
}

// record reads record i of a getAll page.
func record(keys, values safejs.Value, i int) (engine.KV, error) {
	k, err := keys.Index(i)
	if err != nil {
		return engine.KV{}, err
	}
	key, err := k.String()
	if err != nil {
		return engine.KV{}, err
	}
	v, err := values.Index(i)
	if err != nil {
		return engine.KV{}, err
	}
	b, err := BytesFromJS(v)
	return engine.KV{Key: key, Value: b}, err
}
