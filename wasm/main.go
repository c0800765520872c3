//go:build js && wasm

// Command wasm is Hearth's WebAssembly module: it hands the API object to the
// page (or worker) that started it, then keeps the Go runtime alive.
package main

import (
	"fmt"
	"os"

	"github.com/hearthdb/hearth/jsbridge"
)

func main() {
	if err := jsbridge.Boot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	select {} // serve calls from JS for the life of the page
}
