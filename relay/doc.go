// Package relay is Hearth's reference relay: an http.Handler that speaks the
// sync protocol of package sync (docs/PROTOCOL.md) over WebSocket (GET
// /v1/ws) and HTTP request/response (POST /v1/sync) on one port, stores
// each space's changes as opaque payloads, and forwards them live to the
// other clients of the space. It never interprets a change: it sees actor,
// seq and payload, so it needs no knowledge of the CRDT.
//
// # Storage
//
// The default [Store] is one bbolt file. bbolt is pure Go (no cgo, so the
// relay cross-compiles and ships as a single static binary), keeps
// everything in a single file that is trivial to back up, gives ACID
// transactions with a single writer, and fsyncs on every commit. The relay
// acknowledges a change only after the transaction that stored it has
// committed, so an ACK means the change survives a crash or power loss.
// Concurrent pushes are grouped into one commit (bbolt's Batch), which keeps
// the throughput up despite one fsync per commit.
//
// # Fan-out
//
// A stored change only wakes the other connections of its space; each
// connection then reads what its client lacks from the store, after the
// version vector of what it has already sent or received from that client.
// Live delivery is therefore in per-actor order, never misses a change, never
// echoes a client's own changes back, and a slow client falls behind without
// buffering in the relay.
//
// # Caveats
//
//   - One relay process per data file: bbolt locks the file. Running several
//     relay instances needs a shared database behind the same Store methods.
//   - Spaces are never deleted by the relay, and their history is kept
//     unless Config.DropHistory: then the changes a client's snapshot
//     covers are dropped (docs/PROTOCOL.md §1b, snapshot.go), and clients
//     of protocol versions 1 and 2 that lack them get history_dropped. A
//     snapshot is opaque: the relay checks only that its vector claims no
//     change it does not hold. A store's epoch (WELCOME, protocol version
//     2) is made with its file: a relay started on an empty data
//     directory has a new one, and its clients re-seed it
//     (docs/PROTOCOL.md §5). A relay speaks protocol versions 1, 2 and 3,
//     answering each client in its HELLO's.
//   - A token grants a whole space: its holder may push changes under any
//     actor id. The relay cannot check authorship of opaque payloads: the
//     payload stored first under an (actor, seq) stays, and a push of
//     other bytes under it is refused with seq_conflict, never
//     acknowledged.
//   - A WebSocket session ends with token_expired when its token expires;
//     a long-poll answers by then.
package relay
