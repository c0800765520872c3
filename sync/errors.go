package sync

import (
	"errors"
	"fmt"
)

// Code is a stable, append-only protocol error code carried by an
// [ErrorMessage] frame. Its String form is also the JS Error.name suffix.
type Code uint64

// Protocol error codes. Never renumber: they cross the wire.
const (
	CodeMalformed          Code = 1  // frame is not a valid message
	CodeVersion            Code = 2  // unsupported protocol version
	CodeUnknownType        Code = 3  // unknown message type
	CodeTooLarge           Code = 4  // frame, batch or field over a limit
	CodeUnauthorized       Code = 5  // missing, wrong or foreign token
	CodeTokenExpired       Code = 6  // token expired
	CodeSeqGap             Code = 7  // a pushed change skips a seq
	CodeUnexpected         Code = 8  // message not valid in this state
	CodeTooManyConnections Code = 9  // relay connection limit reached
	CodeInternal           Code = 10 // relay failure (storage)
	CodeShuttingDown       Code = 11 // relay is shutting down
	CodeSeqConflict        Code = 12 // a pushed change differs from the one held
	CodeHistoryDropped     Code = 13 // the client needs changes the relay dropped, and cannot take a snapshot
	CodeSnapshotRefused    Code = 14 // an uploaded snapshot claims changes the relay does not hold
	lastCode                    = CodeSnapshotRefused
)

// Sentinel errors, one per protocol error code. Errors returned by this
// package and by relays wrap them, so errors.Is works across the wire.
var (
	// ErrMalformed reports a frame that is not a valid message.
	ErrMalformed = errors.New("hearth/sync: malformed frame")
	// ErrVersion reports an unsupported protocol version.
	ErrVersion = errors.New("hearth/sync: unsupported protocol version")
	// ErrUnknownType reports an unknown message type.
	ErrUnknownType = errors.New("hearth/sync: unknown message type")
	// ErrTooLarge reports a frame, batch or field over a limit.
	ErrTooLarge = errors.New("hearth/sync: over limit")
	// ErrUnauthorized reports a missing, invalid or foreign token.
	ErrUnauthorized = errors.New("hearth/sync: unauthorized")
	// ErrTokenExpired reports an expired token.
	ErrTokenExpired = errors.New("hearth/sync: token expired")
	// ErrSeqGap reports a pushed or received change that skips a seq.
	ErrSeqGap = errors.New("hearth/sync: seq gap")
	// ErrUnexpected reports a message that is not valid in the current state.
	ErrUnexpected = errors.New("hearth/sync: unexpected message")
	// ErrTooManyConnections reports that the relay's connection limit is reached.
	ErrTooManyConnections = errors.New("hearth/sync: too many connections")
	// ErrInternal reports a relay-side failure.
	ErrInternal = errors.New("hearth/sync: internal relay error")
	// ErrShuttingDown reports that the relay is shutting down.
	ErrShuttingDown = errors.New("hearth/sync: relay shutting down")
	// ErrSeqConflict reports a pushed change whose (actor, seq) the relay
	// already holds with a different payload: the actor's history forked
	// (a copied or restored replica) or a change was forged. Retrying
	// cannot help, so Run and RunPoll stop on it.
	ErrSeqConflict = errors.New("hearth/sync: seq conflict")
	// ErrHistoryDropped reports that the relay dropped changes the client
	// lacks (they are covered by a snapshot, under the relay's retention
	// rule) and the client cannot take a snapshot (protocol version 1 or
	// 2). The client cannot sync with this relay until it is upgraded.
	ErrHistoryDropped = errors.New("hearth/sync: history dropped by the relay")
	// ErrSnapshotRefused reports an uploaded snapshot that the relay
	// refuses: its version vector claims changes the relay does not hold.
	ErrSnapshotRefused = errors.New("hearth/sync: snapshot refused")
	// ErrHistoryMissing reports that the local replica no longer holds a
	// change that its version vector covers and the relay lacks (a log
	// compacted by an older version), so it cannot send it. It is local,
	// never sent on the wire; Run backs off and retries, as another
	// replica may re-seed the relay meanwhile.
	ErrHistoryMissing = errors.New("hearth/sync: local history missing")
	// ErrClosed reports use of a session after Close.
	ErrClosed = errors.New("hearth/sync: session closed")
)

// Client-side failures. They never cross the wire; ErrorCode names them
// for the status a UI shows.
var (
	// ErrStorage reports that the local replica's storage failed while
	// the session read changes to push, applied received ones or
	// persisted the acknowledged vector.
	ErrStorage = errors.New("hearth/sync: local storage failed")
	// ErrInvalidChange reports a change from the relay that the replica
	// cannot decode or apply. LocalStore.ApplyRemote wraps it.
	ErrInvalidChange = errors.New("hearth/sync: invalid change from the relay")
	// ErrTokenProvider reports that Config.Token failed.
	ErrTokenProvider = errors.New("hearth/sync: token provider failed")
)

// ErrorCode returns the stable name of what ended a connection, as the
// status shows it: the protocol code's name ("unauthorized",
// "token_expired", ...) when the relay sent an ERROR or the session found
// the relay's frames or its own outgoing ones breaking the protocol;
// "token_provider", "invalid_change" or "storage" for the client-side
// failures above; and "network" for everything else, which is the
// transport failing (a refused connection, a closed socket, an HTTP
// failure).
func ErrorCode(err error) string {
	var re *RemoteError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return re.Code.String()
	case errors.Is(err, ErrTokenProvider):
		return "token_provider"
	case errors.Is(err, ErrHistoryMissing): // before storage: it may wrap ErrStorage
		return "history_missing"
	case errors.Is(err, ErrInvalidChange):
		return "invalid_change"
	case errors.Is(err, ErrStorage):
		return "storage"
	}
	for c := CodeMalformed; c <= lastCode; c++ {
		if errors.Is(err, codeErrs[c]) {
			return c.String()
		}
	}
	return "network"
}

// refused reports whether err is the relay refusing the token, so that
// the next connection asks Config.Token for a new one.
func refused(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrTokenExpired)
}

var codeErrs = map[Code]error{
	CodeMalformed: ErrMalformed, CodeVersion: ErrVersion,
	CodeUnknownType: ErrUnknownType, CodeTooLarge: ErrTooLarge,
	CodeUnauthorized: ErrUnauthorized, CodeTokenExpired: ErrTokenExpired,
	CodeSeqGap: ErrSeqGap, CodeUnexpected: ErrUnexpected,
	CodeTooManyConnections: ErrTooManyConnections, CodeInternal: ErrInternal,
	CodeShuttingDown: ErrShuttingDown, CodeSeqConflict: ErrSeqConflict,
	CodeHistoryDropped: ErrHistoryDropped, CodeSnapshotRefused: ErrSnapshotRefused,
}

var codeNames = map[Code]string{
	CodeMalformed: "malformed", CodeVersion: "unsupported_version",
	CodeUnknownType: "unknown_type", CodeTooLarge: "too_large",
	CodeUnauthorized: "unauthorized", CodeTokenExpired: "token_expired",
	CodeSeqGap: "seq_gap", CodeUnexpected: "unexpected_message",
	CodeTooManyConnections: "too_many_connections", CodeInternal: "internal",
	CodeShuttingDown: "shutting_down", CodeSeqConflict: "seq_conflict",
	CodeHistoryDropped: "history_dropped", CodeSnapshotRefused: "snapshot_refused",
}

// String returns the stable name of c, e.g. "seq_gap".
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("code_%d", uint64(c))
}

// Err returns the sentinel error for c, or ErrInternal for unknown codes.
func (c Code) Err() error {
	if e, ok := codeErrs[c]; ok {
		return e
	}
	return ErrInternal
}

// CodeOf returns the protocol code of the first sentinel err wraps, and
// CodeInternal when it wraps none.
func CodeOf(err error) Code {
	var re *RemoteError
	if errors.As(err, &re) {
		return re.Code
	}
	for c := CodeMalformed; c <= lastCode; c++ {
		if errors.Is(err, codeErrs[c]) {
			return c
		}
	}
	return CodeInternal
}

// RemoteError is an error frame received from the other side.
type RemoteError struct {
	Code    Code
	Message string
}

// Error implements error.
func (e *RemoteError) Error() string {
	return fmt.Sprintf("hearth/sync: remote error %s: %s", e.Code, e.Message)
}

// Unwrap returns the sentinel for the code, so errors.Is works.
func (e *RemoteError) Unwrap() error { return e.Code.Err() }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func tooLarge(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrTooLarge}, args...)...)
}

// versionError reports the version a frame carried.
type versionError struct{ got uint64 }

func (e *versionError) Error() string {
	return ErrVersion.Error() + ": got version " + itoa(e.got)
}

func (e *versionError) Unwrap() error { return ErrVersion }

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
