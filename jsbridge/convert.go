//go:build js && wasm

package jsbridge

import (
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/internal/jsonops"
)

// maxDepth bounds nesting while converting, so a cyclic or absurdly deep
// value fails cleanly instead of exhausting the stack; the ops' JSON text
// has the same bound.
const maxDepth = jsonops.MaxValueDepth

// converter turns a JS value into a JSON-like Go value, rejecting what JSON
// cannot hold (functions, symbols, bigints, class instances, cycles) with an
// error that names the path of the bad value.
type converter struct {
	ancestors []safejs.Value // objects on the path from the root, for cycle detection
}

// toGo converts v; path names v in error messages.
func toGo(v safejs.Value) (any, error) {
	var c converter
	return c.convert(v, "")
}

func (c *converter) convert(v safejs.Value, path string) (any, error) {
	t, err := typeOf(v)
	if err != nil {
		return nil, invalid("value at %s: %v", where(path), err)
	}
	switch t {
	case safejs.TypeNull, safejs.TypeUndefined:
		return nil, nil
	case safejs.TypeBoolean:
		return v.Bool()
	case safejs.TypeString:
		return v.String()
	case safejs.TypeNumber:
		return v.Float() // NaN and Infinity are rejected by the engine's validation
	case safejs.TypeObject:
		return c.object(v, path)
	default:
		return nil, invalid("value at %s is a %s; only JSON-like values (objects, arrays, strings, numbers, booleans, null) can be stored", where(path), t)
	}
}

func (c *converter) object(v safejs.Value, path string) (any, error) {
	for _, a := range c.ancestors {
		if a.Equal(v) {
			return nil, invalid("value at %s refers back to an enclosing object (a cycle); documents must be trees", where(path))
		}
	}
	if len(c.ancestors) >= maxDepth {
		return nil, invalid("value at %s is nested deeper than %d levels", where(path), maxDepth)
	}
	c.ancestors = append(c.ancestors, v)
	defer func() { c.ancestors = c.ancestors[:len(c.ancestors)-1] }()
	kind, err := objectKind(v)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "array":
		return c.array(v, path)
	case "plain":
		return c.plainObject(v, path)
	default:
		return nil, invalid("value at %s is a %s; only plain objects and arrays can be stored", where(path), kind)
	}
}

func (c *converter) array(v safejs.Value, path string) ([]any, error) {
	n, err := v.Length()
	if err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		e, err := v.Index(i)
		if err != nil {
			return nil, err
		}
		if out[i], err = c.convert(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *converter) plainObject(v safejs.Value, path string) (map[string]any, error) {
	keys, err := objectKeys(v)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		e, err := v.Get(k)
		if err != nil {
			return nil, err
		}
		if e.IsUndefined() {
			continue // as JSON.stringify does: an undefined field is absent
		}
		if out[k], err = c.convert(e, joinPath(path, k)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// typeOf is safejs.Value.Type without its panic on values Go's js package
// has no type for (BigInt).
func typeOf(v safejs.Value) (t safejs.Type, err error) {
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("unsupported JavaScript type (a BigInt?)")
		}
	}()
	return v.Type(), nil
}

func objectKeys(v safejs.Value) ([]string, error) {
	arr, err := jsObject.Call("keys", v)
	if err != nil {
		return nil, err
	}
	n, err := arr.Length()
	if err != nil {
		return nil, err
	}
	keys := make([]string, n)
	for i := range keys {
		k, err := arr.Index(i)
		if err != nil {
			return nil, err
		}
		if keys[i], err = k.String(); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// objectKind says whether v is an "array", a "plain" object (its prototype is
// Object.prototype or null), or names its constructor (Date, Map, ...).
func objectKind(v safejs.Value) (string, error) {
	isArray, err := jsArray.Call("isArray", v)
	if err != nil {
		return "", err
	}
	if ok, _ := isArray.Bool(); ok {
		return "array", nil
	}
	proto, err := jsObject.Call("getPrototypeOf", v)
	if err != nil {
		return "", err
	}
	if proto.IsNull() || proto.Equal(jsObjectPrototype) {
		return "plain", nil
	}
	return constructorName(v), nil
}

func constructorName(v safejs.Value) string {
	if ctor, err := v.Get("constructor"); err == nil {
		if name, err := ctor.Get("name"); err == nil {
			if s, err := name.String(); err == nil && s != "" {
				return s
			}
		}
	}
	return "non-plain object"
}

// undefined is the Go stand-in for JS undefined in results (nil is null).
type undefined struct{}

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, engine.ErrInvalidArgument)...)
}

func where(path string) string {
	if path == "" {
		return "the top level"
	}
	return fmt.Sprintf("%q", path)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
