//go:build js && wasm

package idb

// UseKeyCursor makes reverse key reads walk a cursor, as in browsers whose
// getAllKeys has no direction, until the returned function restores it.
func UseKeyCursor() (restore func()) {
	saved := getAllHasDirection
	getAllHasDirection = func() bool { return false }
	return func() { getAllHasDirection = saved }
}

// ReadRecordByRecord makes scans read a page's records one by one, as
// where the page's CSP forbids making the packing function, until the
// returned function restores it.
func ReadRecordByRecord() (restore func()) {
	packPages = false
	return func() { packPages = true }
}
