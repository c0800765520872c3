package crdt

import "errors"

// Sentinel errors. Functions wrap them with %w and context; test with
// errors.Is.
var (
	// ErrUnsupportedType reports a Go value that cannot be stored in a
	// document (e.g. a struct, a channel, a map with non-string keys).
	ErrUnsupportedType = errors.New("crdt: unsupported value type")
	// ErrInvalidNumber reports a NaN or infinite float, or an unsigned
	// integer too large for int64.
	ErrInvalidNumber = errors.New("crdt: invalid number")
	// ErrInvalidArgument reports a bad argument to a transaction method:
	// an empty collection or document id, an empty path, invalid UTF-8.
	ErrInvalidArgument = errors.New("crdt: invalid argument")
	// ErrNotFound reports a document or field that does not exist.
	ErrNotFound = errors.New("crdt: not found")
	// ErrWrongType reports an operation on a field of another kind, e.g.
	// InsertText on a counter or Set through a path that crosses a string.
	ErrWrongType = errors.New("crdt: wrong field type")
	// ErrOutOfRange reports a text or list position outside the sequence.
	ErrOutOfRange = errors.New("crdt: position out of range")
	// ErrInvalidChange reports a change that cannot be applied: it refers
	// to objects or elements that do not exist, reuses counters, or is
	// otherwise inconsistent with its causal past.
	ErrInvalidChange = errors.New("crdt: invalid change")
	// ErrMalformed reports bytes that do not decode as a change or a
	// snapshot of a supported format version.
	ErrMalformed = errors.New("crdt: malformed encoding")
	// ErrCorrupt reports a failed invariant found by Check.
	ErrCorrupt = errors.New("crdt: invariant violated")
)
