package engine

import (
	"fmt"
	"math"
	"strings"
)

// maxDepth bounds the nesting of document values, so that a hostile or
// accidental deep value cannot exhaust the stack.
const maxDepth = 64

// ValidateCollection checks that name can name a collection.
func ValidateCollection(name string) error {
	if name == "" {
		return fmt.Errorf("collection name is empty: %w", ErrInvalidArgument)
	}
	if strings.ContainsRune(name, keySep) {
		return fmt.Errorf("collection name %q contains a NUL character: %w", name, ErrInvalidArgument)
	}
	return nil
}

// ValidateID checks that id can name a document.
func ValidateID(id string) error {
	if id == "" {
		return fmt.Errorf("document id is empty: %w", ErrInvalidArgument)
	}
	return nil
}

// DocID returns the id of doc after checking that doc is a valid document:
// a JSON-like map with a non-empty string "id".
func DocID(doc map[string]any) (string, error) {
	if doc == nil {
		return "", fmt.Errorf("document is not an object: %w", ErrInvalidArgument)
	}
	raw, ok := doc["id"]
	if !ok {
		return "", fmt.Errorf("document has no id field: %w", ErrInvalidArgument)
	}
	id, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("document id must be a string, got %T: %w", raw, ErrInvalidArgument)
	}
	if err := ValidateID(id); err != nil {
		return "", err
	}
	if err := validateValue(doc, "", 0); err != nil {
		return "", err
	}
	return id, nil
}

func validateValue(v any, path string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("value at %q is nested deeper than %d levels: %w", path, maxDepth, ErrInvalidArgument)
	}
	switch x := v.(type) {
	case nil, bool, string, int64:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value at %q is %v; only finite numbers are allowed: %w", path, x, ErrInvalidArgument)
		}
		return nil
	case map[string]any:
		for k, e := range x {
			if err := validateValue(e, joinPath(path, k), depth+1); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for i, e := range x {
			if err := validateValue(e, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("value at %q has unsupported type %T: %w", path, v, ErrInvalidArgument)
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
