// Package crdt is Hearth's pure-Go data model: replica ids, a hybrid
// logical clock, changes and their operations, version vectors, and the
// conflict-free merge rules that make every replica that has seen the same
// changes hold the same state, whatever the order and duplication of
// delivery.
//
// # Overview
//
// A Replica holds a whole database: collections (by name) of documents (by
// id). A document is a map whose fields hold scalars (nil, bool, int64,
// float64, string), nested maps, lists, text or counters. Every local write
// happens in Replica.Transact and produces one Change {Actor, Seq, Deps,
// HLC, Ops}; Replica.Apply merges changes from other replicas; both return
// a Patch naming the documents, top-level fields and text/list splices that
// changed, so queries and UI bindings need not diff documents.
//
//	r, _ := crdt.NewReplica("alice")
//	ch, patch, err := r.Transact(func(tx *crdt.Tx) error {
//		return tx.Put("todos", "t1", map[string]any{
//			"title": "Buy milk",              // last-writer-wins string
//			"notes": crdt.Text("2 litres"),    // collaborative text
//			"votes": crdt.Counter(0),          // concurrent increments add up
//			"tags":  []any{"home"},            // list
//		})
//	})
//	data := crdt.EncodeChange(ch) // send to other replicas
//
// Values given to Put and Set are plain Go values; Text and Counter mark a
// string or integer that should merge as text or as a counter. Get returns
// plain Go values: map[string]any, []any, string (also for text), int64
// (also for counters), float64, bool and nil. Text positions count Unicode
// code points.
//
// # Merge rules
//
//   - A map field is a last-writer-wins register ordered by Stamp: the
//     change's HLC, then the actor id, then the operation counter.
//   - A counter sums every increment ever applied to it.
//   - Lists and text are a sequence CRDT (YjsMod, equivalent to FugueMax):
//     each element remembers the elements it was inserted between, and
//     concurrent insertions at the same place never interleave.
//   - A change is applied once its causal dependencies are: Apply buffers a
//     change until the actor's previous change and Deps are present, and
//     ignores a change it already has.
//
// # Deleting documents
//
// A document's deletes and writes are ordered by stamp like any two
// writes, and the document is the unit: a replica never shows part of one.
//
//   - The document exists when its latest operation is not a DeleteDoc. Of
//     a delete and a concurrent write (Set, DeleteField, Increment, a text
//     or list edit, at any depth) the later therefore wins.
//   - A delete hides the document but erases none of its fields. A write
//     ordered after a concurrent delete brings back the whole document:
//     every field as it was (texts, counters, nested maps and lists
//     included) plus the write. A write ordered before the delete goes
//     with the document.
//   - A creation starts the document afresh: Put, and any write to a
//     document its writer reads as absent (never written, or deleted),
//     emits OpCreateDoc, which hides every top-level field written before
//     it. So a document deleted and written again shows only what was
//     written since; Put replaces a document whole, and of two concurrent
//     Puts the later shows, alone; a write concurrent with a re-creation
//     shows on the new document only if ordered after it.
//
// The rule is last-writer-wins at the level of the document. It needs no
// causal metadata beyond the stamps: a write made after seeing a delete is
// ordered after it, and a write to a document its author reads as absent
// creates it. And an edit made after a delete elsewhere (offline, say)
// restores the document its author was editing instead of vanishing,
// while a delete made after the edit still wins. Automerge and Yjs resolve a delete concurrent with
// an edit inside the deleted object the other way (the edit is lost); here
// the later action decides, as for a field.
//
// # Encoding
//
// Changes and snapshots are msgpack, versioned by their first element:
// changes are format 1, snapshots format 2 (format 1 snapshots still
// load), pinned by the fixtures in testdata/. Sequences are stored as
// columns of runs, so typed text costs a few bytes per run rather than per
// character; EncodeChanges compresses a batch of changes (a typing session
// costs about 12 bytes per keystroke). EncodeSnapshot/LoadSnapshot cover the
// whole replica;
// EncodeDoc/LoadDoc one document, so that storage can load documents
// lazily; EncodeMeta the rest. Loading never replays history. Decoders
// never panic on malformed input: they return an error wrapping
// ErrMalformed.
//
// # Caveats
//
//   - Any write ordered after a concurrent delete revives the document,
//     even one that edits an object the document no longer shows (a text
//     whose field a concurrent Put replaced).
//   - A document saved in a format 1 snapshot (before the creation stamp)
//     keeps reading as it did then: the top-level fields written before
//     its latest delete stay hidden, also if a later write revives it. A
//     replica that applied the same changes with this version instead
//     reads such a revived document whole. Likewise a change written
//     before OpCreateDoc marked every creation, by Set on a deleted
//     document, revives the old fields rather than starting afresh (the
//     engine never wrote one: it creates documents with Put).
//   - Edits to a list element are not merged: elements are atomic values
//     (scalars, or maps and lists stored whole). Replace one by delete and
//     insert.
//   - Ordering by HLC trusts the clocks of the writers: a replica whose
//     clock runs far ahead wins last-writer-wins conflicts until the others
//     catch up (the HLC never lets it go backwards).
//   - A replica loaded from a snapshot has no change log before the
//     snapshot: ChangesSince returns only the changes applied since, and
//     one made WithoutChangeLog none at all. The storage layer keeps the
//     log.
//   - Deleted text and list elements keep their IDs (tombstones) forever;
//     only their content is dropped from snapshots.
//   - A transaction's reads see its own writes (its methods apply at once);
//     if its function returns an error, everything is undone.
//   - A Replica is not safe for concurrent use.
package crdt
