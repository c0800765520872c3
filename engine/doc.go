// Package engine is Hearth's pure-Go coordinator: a database of named
// collections of JSON-like documents, kept behind the small byte-oriented
// Storage interface so that it runs natively in tests (MemoryStorage) and on
// IndexedDB in the browser (package idb).
//
// A collection's values are read into memory (a query.Store with the
// live queries over it) the first time a query needs them, in the
// background. Indexes declared with CreateIndex are persisted and kept by
// every commit, so that until then a query an index can answer reads only
// the documents it returns (cold.go, index.go, load.go).
//
// Writes cost what they change. A commit is applied in memory and shown to
// this process's subscriptions at once, then queued; the queue is stored
// in one storage commit per batch of what queued meanwhile (group.go), and
// each caller returns once its batch is durable. A batch writes one log
// record per actor (log.go), and for each document it touched either the
// whole document (a small one) or one tail entry holding its part of the
// batch's changes (tail.go); a document with a long tail is stored whole
// again in a commit of its own (checkpoint.go). The log keeps every
// change, so that a relay that lost some can be sent them again; a
// background pass packs its records into compressed ones (logpack.go).
// A document's value on the
// write path is kept in memory and brought up to date from text edits'
// splices (values.go), so a keystroke in a large note never rebuilds it.
//
// # Caveats
//
// Storage reads of a collection not loaded wait for the commits being
// stored, so that they follow the writes issued before them; during a long
// burst of writes they wait for the burst. A failed storage commit fails
// the commits queued behind it too, as they build on its changes.
//
// A join through a relay's snapshot (ApplySnapshot, snapshot.go) holds the
// whole merged replica in memory while it stores it; another tab that
// commits meanwhile makes it start again, and a process that stops midway
// finishes it at the next Open.
//
// Documents are validated as JSON-like values: maps with string keys, slices,
// strings, finite numbers, booleans and nil. Every document carries a
// non-empty string "id" that names it within its collection.
package engine
