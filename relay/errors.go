package relay

import (
	"errors"
	"fmt"
)

// Errors of the relay itself. Errors that cross the wire wrap the sentinels
// of package sync instead (sync.ErrUnauthorized, sync.ErrSeqGap, ...).
var (
	// ErrConfig reports an invalid relay configuration.
	ErrConfig = errors.New("hearth/relay: invalid configuration")
	// ErrStore reports a storage failure; it crosses the wire as "internal".
	ErrStore = errors.New("hearth/relay: storage failure")
)

// errClosed marks errors of the connection itself (nothing left to tell).
type errClosed struct{ err error }

func (e errClosed) Error() string { return "connection closed: " + e.err.Error() }
func (e errClosed) Unwrap() error { return e.err }

// pushError carries the id of the PUSH an error answers.
type pushError struct {
	id  uint64
	err error
}

func (e pushError) Error() string { return fmt.Sprintf("push %d: %v", e.id, e.err) }
func (e pushError) Unwrap() error { return e.err }

func pushID(err error) uint64 {
	var pe pushError
	if errors.As(err, &pe) {
		return pe.id
	}
	return 0
}
