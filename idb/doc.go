//go:build js && wasm

// Package idb implements engine.Storage on the browser's IndexedDB through
// github.com/hack-pad/go-indexeddb: one IndexedDB database per Hearth
// database, one object store per engine store, and one readwrite
// transaction per Commit so that a batch is stored whole or not at all.
package idb
