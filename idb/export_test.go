//go:build js && wasm

package idb

import "github.com/hearthdb/hearth/engine"

// UseKeyCursor makes reverse key reads walk a cursor, as in browsers whose
// getAllKeys has no direction, until the returned function restores it.
func UseKeyCursor() (restore func()) {
	saved := getAllHasDirection
	getAllHasDirection = func() bool { return false }
	return func() { getAllHasDirection = saved }
}

// CommitPerWrite makes s commit through go-indexeddb, a call per write, as
// where the batch function cannot be made.
func CommitPerWrite(s engine.Storage) engine.Storage {
	s.(*Storage).perWrite = true
	return s
}

// ReadRecordByRecord makes scans read a page's records one by one, as
// where the page's CSP forbids making the packing function, until the
// returned function restores it.
func ReadRecordByRecord() (restore func()) {
	packPages = false
	return func() { packPages = true }
}
