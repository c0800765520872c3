package engine

import (
	"errors"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/query"
)

// Code is a stable, append-only error code. It crosses the JS boundary as the
// JS Error's name, so apps can branch on it.
type Code string

// Stable error codes. Append new ones; never rename or reuse one.
const (
	CodeInvalidArgument Code = "InvalidArgumentError"
	CodeClosed          Code = "ClosedError"
	CodeStorage         Code = "StorageError"
	CodeQuotaExceeded   Code = "QuotaExceededError"
	CodeNotFound        Code = "NotFoundError"
	CodeInvalidChange   Code = "InvalidChangeError"
	CodeChangeTooLarge  Code = "ChangeTooLargeError"
)

// Error is an error that carries a stable Code.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is match any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinel errors; wrap them with fmt.Errorf("...: %w", Err...) for context.
var (
	// ErrInvalidArgument reports a bad value from the caller (no id, a
	// value that is not JSON-like, an empty collection name...).
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument, Msg: "invalid argument"}
	// ErrClosed reports use of a database after Close.
	ErrClosed = &Error{Code: CodeClosed, Msg: "database is closed"}
	// ErrStorage reports a failure of the underlying storage.
	ErrStorage = &Error{Code: CodeStorage, Msg: "storage error"}
	// ErrQuotaExceeded reports that the storage is full; nothing of the
	// failed write was stored.
	ErrQuotaExceeded = &Error{Code: CodeQuotaExceeded, Msg: "storage quota exceeded"}
	// ErrNotFound reports a missing key in a Storage, or an update of a
	// document that does not exist.
	ErrNotFound = &Error{Code: CodeNotFound, Msg: "not found"}
	// ErrInvalidChange reports a change from another replica that cannot be
	// decoded or applied; nothing of it was stored.
	ErrInvalidChange = &Error{Code: CodeInvalidChange, Msg: "invalid change"}
	// ErrChangeTooLarge reports a transaction whose change would be over
	// MaxChangeBytes, the largest change sync carries; nothing of it was
	// stored.
	ErrChangeTooLarge = &Error{Code: CodeChangeTooLarge, Msg: "change too large"}
)

// codes maps the sentinels of lower packages to stable codes.
var codes = []struct {
	err  error
	code Code
}{
	{crdt.ErrInvalidArgument, CodeInvalidArgument},
	{crdt.ErrUnsupportedType, CodeInvalidArgument},
	{crdt.ErrInvalidNumber, CodeInvalidArgument},
	{crdt.ErrWrongType, CodeInvalidArgument},
	{crdt.ErrOutOfRange, CodeInvalidArgument},
	{crdt.ErrNotFound, CodeNotFound},
	{crdt.ErrMalformed, CodeInvalidChange},
	{crdt.ErrInvalidChange, CodeInvalidChange},
	{query.ErrCollection, CodeInvalidArgument},
	{query.ErrField, CodeInvalidArgument},
	{query.ErrOperator, CodeInvalidArgument},
	{query.ErrValue, CodeInvalidArgument},
	{query.ErrFilter, CodeInvalidArgument},
	{query.ErrOrderBy, CodeInvalidArgument},
	{query.ErrLimit, CodeInvalidArgument},
	{query.ErrOffset, CodeInvalidArgument},
	{query.ErrSelect, CodeInvalidArgument},
	{query.ErrUnknownKey, CodeInvalidArgument},
	{query.ErrIndex, CodeInvalidArgument},
}

// CodeOf returns the stable code of err, or CodeStorage for errors that carry
// none (an unexpected failure is reported as a storage failure rather than
// hidden).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return CodeStorage
}
