//go:build js && wasm

package idb

import (
	"errors"
	"fmt"

	"github.com/hack-pad/go-indexeddb/idb"

	"github.com/hearthdb/hearth/engine"
)

// mapError turns an IndexedDB failure into an engine error with a stable
// code, keeping the DOMException text for the message.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, idb.NewDOMException("QuotaExceededError")):
		return fmt.Errorf("%s: %v: %w", op, err, engine.ErrQuotaExceeded)
	case errors.Is(err, idb.NewDOMException("InvalidStateError")):
		return fmt.Errorf("%s: %v (the database was closed or is being upgraded by another tab): %w", op, err, engine.ErrStorage)
	default:
		return fmt.Errorf("%s: %v: %w", op, err, engine.ErrStorage)
	}
}
