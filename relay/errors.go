package relay

import "errors"

// Errors of the relay itself. Errors that cross the wire wrap the sentinels
// of package sync instead (sync.ErrUnauthorized, sync.ErrSeqGap, ...).
var (
	// ErrConfig reports an invalid relay configuration.
	ErrConfig = errors.New("hearth/relay: invalid configuration")
	// ErrStore reports a storage failure; it crosses the wire as "internal".
	ErrStore = errors.New("hearth/relay: storage failure")
)
