//go:build js && wasm

package jsbridge

import "github.com/hack-pad/safejs"

// JS built-ins looked up once. They exist in every browser and worker realm,
// so a failed lookup leaves a zero Value whose use reports an error.
var (
	jsObject, _          = safejs.Global().Get("Object")
	jsObjectPrototype, _ = jsObject.Get("prototype")
	jsArray, _           = safejs.Global().Get("Array")
	jsPromise, _         = safejs.Global().Get("Promise")
	jsError, _           = safejs.Global().Get("Error")
	jsUint8Array, _      = safejs.Global().Get("Uint8Array")
)
