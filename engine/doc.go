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
// # Caveats
//
// Documents are validated as JSON-like values: maps with string keys, slices,
// strings, finite numbers, booleans and nil. Every document carries a
// non-empty string "id" that names it within its collection.
package engine
