// Package sync is Hearth's sync protocol: the wire messages exchanged with a
// relay (msgpack frames that start with a protocol version, see
// docs/PROTOCOL.md) and the client session, a sans-I/O state machine that
// turns incoming frames and local commits into outgoing frames.
//
// # Overview
//
// A change travels as an [Envelope] {actor, seq, payload}; the payload is the
// opaque encoded CRDT change, so neither this package nor a relay needs to
// understand the CRDT. Version vectors ([crdt.VersionVector]) say what each
// side holds.
//
// A [Session] talks to the local replica through [LocalStore] and never does
// I/O itself: [Session.Connect], [Session.Receive] and [Session.Flush] return
// the frames to send. [Session.Run] is a small driver that moves those frames
// over any [Transport] (WebSocket in the browser or in native tests) and
// reconnects with backoff. [Session.PollRequest] and [Session.PollResponse]
// serve the HTTP request/response binding instead, and [Session.RunPoll]
// drives them over any [Poller] (fetch in the browser), long-polling when
// idle. [Session.Status] and [Session.Subscribe] feed a UI.
//
// # Caveats
//
//   - A session assumes it is the only writer of the acknowledged version
//     vector and relay epoch it persists through [LocalStore.SetAcked] and
//     [LocalStore.SetEpoch].
//   - A session speaks [ProtocolVersion] when its store is a
//     [SnapshotStore] (version 2 otherwise) and falls back one version,
//     for the rest of its life, each time a relay refuses its HELLO with
//     unsupported_version.
//   - A snapshot received is applied inside Receive, which holds the
//     session's lock while the store stores it; uploads go over
//     WebSocket only (Run), never in the HTTP binding.
//   - Changes are pushed and applied in per-actor seq order; [LocalStore]
//     implementations must return contiguous runs from ChangesSince.
//   - The session holds its lock while it calls LocalStore; a LocalStore must
//     not call back into the session, except Notify, which never blocks.
//   - This package depends on no net or syscall/js package and imports no
//     os directly; a test enforces it.
package sync
