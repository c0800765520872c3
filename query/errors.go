package query

import "errors"

// Validation errors. FromMap, Query.Validate, NewLive and the other
// constructors wrap one of these with %w and the offending part of the query,
// so callers test them with errors.Is.
var (
	// ErrCollection reports a missing or empty collection name.
	ErrCollection = errors.New("query: invalid collection")
	// ErrField reports an empty field path or a path with an empty segment.
	ErrField = errors.New("query: invalid field path")
	// ErrOperator reports an unknown comparison operator.
	ErrOperator = errors.New("query: unknown operator")
	// ErrValue reports a value of an unsupported type, or of a type the
	// operator does not accept (for example "in" without an array).
	ErrValue = errors.New("query: invalid value")
	// ErrFilter reports a malformed filter node (neither a comparison nor an
	// and/or combination, or more than one of them).
	ErrFilter = errors.New("query: invalid filter")
	// ErrOrderBy reports a malformed orderBy clause.
	ErrOrderBy = errors.New("query: invalid orderBy")
	// ErrLimit reports a limit that is not a positive integer.
	ErrLimit = errors.New("query: invalid limit")
	// ErrOffset reports an offset that is not a non-negative integer.
	ErrOffset = errors.New("query: invalid offset")
	// ErrSelect reports a malformed field selection.
	ErrSelect = errors.New("query: invalid select")
	// ErrUnknownKey reports a key FromMap does not understand.
	ErrUnknownKey = errors.New("query: unknown key")
	// ErrIndex reports an invalid index declaration.
	ErrIndex = errors.New("query: invalid index")
)
