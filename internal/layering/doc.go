// Package layering holds the tests that keep DESIGN.md's layering true: the
// pure core imports no browser or I/O package, every browser-side file
// carries the js/wasm build tag, and the shipped WebAssembly module pulls in
// no test or debugging tooling. It has no code of its own.
package layering
