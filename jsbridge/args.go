//go:build js && wasm

package jsbridge

import (
	"fmt"

	"github.com/hack-pad/safejs"
)

// stringArg returns args[i] as a string, or an InvalidArgumentError naming
// the parameter.
func stringArg(args []safejs.Value, i int, name string) (string, error) {
	if i >= len(args) {
		return "", invalid("%s is missing", name)
	}
	t, err := typeOf(args[i])
	if err != nil || t != safejs.TypeString {
		return "", invalid("%s must be a string, got %s", name, describe(args[i]))
	}
	return args[i].String()
}

// intArg returns args[i] as an integer handle.
func intArg(args []safejs.Value, i int, name string) (int, error) {
	if i >= len(args) {
		return 0, invalid("%s is missing", name)
	}
	if t, err := typeOf(args[i]); err != nil || t != safejs.TypeNumber {
		return 0, invalid("%s must be a number, got %s", name, describe(args[i]))
	}
	return args[i].Int()
}

// funcArg returns args[i], which must be a function.
func funcArg(args []safejs.Value, i int) (safejs.Value, error) {
	if i >= len(args) {
		return safejs.Value{}, invalid("callback is missing")
	}
	if t, err := typeOf(args[i]); err != nil || t != safejs.TypeFunction {
		return safejs.Value{}, invalid("callback must be a function, got %s", describe(args[i]))
	}
	return args[i], nil
}

// describe names the JS type of v for error messages.
func describe(v safejs.Value) string {
	t, err := typeOf(v)
	if err != nil {
		return "an unsupported value"
	}
	if t == safejs.TypeObject {
		kind, err := objectKind(v)
		if err == nil && kind != "plain" {
			return fmt.Sprintf("a%s %s", article(kind), kind)
		}
		return "an object"
	}
	return t.String()
}

func article(word string) string {
	if word != "" && (word[0] == 'a' || word[0] == 'A' || word[0] == 'e' || word[0] == 'E') {
		return "n"
	}
	return ""
}
