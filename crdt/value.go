package crdt

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Text marks a string that should be stored as collaborative text (a
// sequence CRDT edited with InsertText and DeleteText) rather than as a plain
// string, which is a last-writer-wins value. Get returns text as a string.
type Text string

// Counter marks an integer that should be stored as a counter: concurrent
// Increment calls add up instead of overwriting each other. The value given
// is the initial value. Get returns a counter as an int64.
type Counter int64

// maxValueDepth bounds the nesting of values so that hostile input cannot
// exhaust the stack.
const maxValueDepth = 64

// normScalar converts a Go scalar to the canonical representation stored in
// documents: nil, bool, int64, float64 or string. ok is false when v is not
// a scalar at all. A value already canonical is returned as is, so that it
// is not boxed into a new interface.
func normScalar(v any) (out any, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return nil, true, nil
	case bool:
		return v, true, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, true, fmt.Errorf("%w: string is not valid UTF-8", ErrInvalidArgument)
		}
		return v, true, nil
	case int:
		return int64(x), true, nil
	case int8:
		return int64(x), true, nil
	case int16:
		return int64(x), true, nil
	case int32:
		return int64(x), true, nil
	case int64:
		return v, true, nil
	case uint8:
		return int64(x), true, nil
	case uint16:
		return int64(x), true, nil
	case uint32:
		return int64(x), true, nil
	case uint:
		return normUint(uint64(x))
	case uint64:
		return normUint(x)
	case float32:
		return normFloat(float64(x))
	case float64:
		if err := checkFloat(x); err != nil {
			return nil, true, err
		}
		return v, true, nil
	}
	return nil, false, nil
}

func normUint(x uint64) (any, bool, error) {
	if x > math.MaxInt64 {
		return nil, true, fmt.Errorf("%w: %d overflows int64", ErrInvalidNumber, x)
	}
	return int64(x), true, nil
}

func normFloat(x float64) (any, bool, error) {
	if err := checkFloat(x); err != nil {
		return nil, true, err
	}
	return x, true, nil
}

func checkFloat(x float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("%w: %v", ErrInvalidNumber, x)
	}
	return nil
}

// normAtomic converts a value stored as one list element: a scalar, or a
// map[string]any / []any of such values, deep-copied. Such nested values are
// atomic: they are replaced, never merged.
func normAtomic(v any, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d", ErrUnsupportedType, maxValueDepth)
	}
	if s, ok, err := normScalar(v); ok || err != nil {
		return s, err
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normAtomic(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normAtomic(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("index %d: %w", i, err)
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %T inside a list", ErrUnsupportedType, v)
}

// checkField validates a value given to Put or Set (any depth), without
// copying it.
func checkField(v any, depth int) error {
	if depth > maxValueDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrUnsupportedType, maxValueDepth)
	}
	switch x := v.(type) {
	case Text:
		if !utf8.ValidString(string(x)) {
			return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalidArgument)
		}
		return nil
	case Counter:
		return nil
	case map[string]any:
		for k, e := range x {
			if err := checkField(e, depth+1); err != nil {
				return fmt.Errorf("field %q: %w", k, err)
			}
		}
		return nil
	case []any:
		for i, e := range x {
			if _, err := normAtomic(e, depth+1); err != nil {
				return fmt.Errorf("index %d: %w", i, err)
			}
		}
		return nil
	}
	if _, ok, err := normScalar(v); !ok || err != nil {
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: %T", ErrUnsupportedType, v)
	}
	return nil
}
