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

// opsArg converts args[i], an array of operation objects, to Go. Each field
// of an operation converts on its own, so that an error in a document names
// the path inside the document.
func opsArg(args []safejs.Value, i int) ([]map[string]any, error) {
	if i >= len(args) {
		return nil, invalid("operations are missing")
	}
	kind, err := objectKind(args[i])
	if t, _ := typeOf(args[i]); err != nil || t != safejs.TypeObject || kind != "array" {
		return nil, invalid("operations must be an array, got %s", describe(args[i]))
	}
	n, err := args[i].Length()
	if err != nil {
		return nil, err
	}
	ops := make([]map[string]any, n)
	for j := range ops {
		el, err := args[i].Index(j)
		if err != nil {
			return nil, err
		}
		if ops[j], err = opArg(el); err != nil {
			return nil, err
		}
	}
	return ops, nil
}

func opArg(v safejs.Value) (map[string]any, error) {
	if t, _ := typeOf(v); t != safejs.TypeObject {
		return nil, invalid("an operation must be an object, got %s", describe(v))
	}
	keys, err := objectKeys(v)
	if err != nil {
		return nil, err
	}
	op := make(map[string]any, len(keys))
	for _, k := range keys {
		field, err := v.Get(k)
		if err != nil {
			return nil, err
		}
		if op[k], err = toGo(field); err != nil {
			return nil, err
		}
	}
	return op, nil
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
