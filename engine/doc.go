// Package engine is Hearth's pure-Go coordinator: a database of named
// collections of JSON-like documents, kept behind the small byte-oriented
// Storage interface so that it runs natively in tests (MemoryStorage) and on
// IndexedDB in the browser (package idb).
//
// # Caveats
//
// Documents are validated as JSON-like values: maps with string keys, slices,
// strings, finite numbers, booleans and nil. Every document carries a
// non-empty string "id" that names it within its collection.
package engine
