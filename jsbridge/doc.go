//go:build js && wasm

// Package jsbridge is the JavaScript face of Hearth's WebAssembly module: it
// exports the API object that the npm package wraps, converts JS values to Go
// and back, and turns every call that may wait into a Promise. All JS access
// goes through github.com/hack-pad/safejs, so a JS exception becomes a Go
// error, and a Go panic at the boundary becomes a rejected Promise.
package jsbridge
