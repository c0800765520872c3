//go:build js && wasm

package idb

// UseKeyCursor makes reverse key reads walk a cursor, as in browsers whose
// getAllKeys has no direction, until the returned function restores it.
func UseKeyCursor() (restore func()) {
	saved := getAllHasDirection
	getAllHasDirection = func() bool { return false }
	return func() { getAllHasDirection = saved }
}
