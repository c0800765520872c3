// Package crdt is Hearth's pure-Go data model: replica ids, version vectors,
// changes and their operations, and the conflict-free merge rules that make
// every replica that has seen the same changes hold the same state.
package crdt
