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
// DeleteDoc writes a tombstone stamped like any other write. A document
// exists when its latest write (of any kind) is ordered after its latest
// delete, and then shows only the top-level fields written after that
// delete. So an update concurrent with a delete wins if its stamp is later
// (it "resurrects" the document with just the fields written after the
// delete) and is discarded if its stamp is earlier. Put replaces a whole
// document: it is a delete followed by the new fields in one change.
//
// # Encoding
//
// Changes and snapshots are msgpack, versioned by their first element
// (format 1, pinned by the fixtures in testdata/). Sequences are stored as
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
//   - An update concurrent with a document delete and ordered after it
//     revives the document, but fields written before the delete stay
//     hidden, including a nested text or list being edited concurrently:
//     such an edit revives the document without making its field visible.
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
