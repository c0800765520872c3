//go:build js && wasm

package idb

import (
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// BytesToJS copies b into a new Uint8Array, the form in which this package
// stores values (and jsbridge posts them between tabs).
func BytesToJS(b []byte) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return safejs.Value{}, err
	}
	arr, err := ctor.New(len(b))
	if err != nil {
		return safejs.Value{}, err
	}
	_, err = safejs.CopyBytesToJS(arr, b)
	return arr, err
}

// BytesFromJS copies a Uint8Array into Go.
func BytesFromJS(v safejs.Value) ([]byte, error) {
	n, err := v.Length()
	if err != nil {
		return nil, fmt.Errorf("value is not bytes: %w", engine.ErrStorage)
	}
	b := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(b, v); err != nil {
		return nil, fmt.Errorf("value is not a Uint8Array: %v: %w", err, engine.ErrStorage)
	}
	return b, nil
}
