package engine

import (
	"fmt"
	"math"
	"unicode/utf16"
)

// OpFromMap builds an Op from the plain object form the JS API sends:
//
//	{kind: "put", collection, value: {id, ...fields}}
//	{kind: "update", collection, id, value: {...patch}}
//	{kind: "delete", collection, id}
//	{kind: "increment", collection, id, path: ["likes"], delta: 1}
//	{kind: "insertText", collection, id, path: ["body"], index: 3, text: "hi"}
//	{kind: "deleteText", collection, id, path: ["body"], index: 3, count: 2}
//
// Text ops may carry base: the text their index and count refer to (see
// Op.Base).
// Text indexes from JS count UTF-16 code units (UTF16 is set); they are
// converted to code points against the text as it is when the op applies.
func OpFromMap(m map[string]any) (Op, error) {
	op := Op{Kind: OpKind(str(m["kind"])), Collection: str(m["collection"]), ID: str(m["id"]), UTF16: true}
	if op.Kind == OpPut {
		doc, ok := m["value"].(map[string]any)
		if !ok {
			return op, fmt.Errorf("document must be a plain object, got %s: %w", typeName(m["value"]), ErrInvalidArgument)
		}
		id, err := docID(doc)
		if err != nil {
			return op, err
		}
		op.ID = id
	} else if _, ok := m["id"].(string); !ok {
		return op, fmt.Errorf("document id must be a string, got %s: %w", typeName(m["id"]), ErrInvalidArgument)
	}
	op.Value = m["value"]
	var err error
	if op.Path, err = pathFrom(m["path"]); err != nil {
		return op, err
	}
	if op.Delta, err = intField(m, "delta", 0); err != nil {
		return op, err
	}
	if op.Index, err = intField32(m, "index"); err != nil {
		return op, err
	}
	if op.Count, err = intField32(m, "count"); err != nil {
		return op, err
	}
	op.Text = str(m["text"])
	if b, ok := m["base"]; ok && b != nil {
		base, ok := b.(string)
		if !ok {
			return op, fmt.Errorf("base must be a string, got %s: %w", typeName(b), ErrInvalidArgument)
		}
		op.Base = &base
	}
	return op, nil
}

// docID returns the id of a document given whole, as put takes it.
func docID(doc map[string]any) (string, error) {
	raw, ok := doc["id"]
	if !ok {
		return "", fmt.Errorf("document has no id field: %w", ErrInvalidArgument)
	}
	id, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("document id must be a string, got %s: %w", typeName(raw), ErrInvalidArgument)
	}
	return id, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func pathFrom(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("path must be an array of strings, got %s: %w", typeName(v), ErrInvalidArgument)
	}
	path := make([]string, len(list))
	for i, e := range list {
		if path[i], ok = e.(string); !ok {
			return nil, fmt.Errorf("path element %d must be a string, got %s: %w", i, typeName(e), ErrInvalidArgument)
		}
	}
	return path, nil
}

func intField(m map[string]any, key string, def int64) (int64, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return def, nil
	}
	n, ok := integer(v)
	if !ok {
		return 0, fmt.Errorf("%s must be an integer, got %v: %w", key, v, ErrInvalidArgument)
	}
	return n, nil
}

func intField32(m map[string]any, key string) (int, error) {
	n, err := intField(m, key, 0)
	if err == nil && (n < 0 || n > math.MaxInt32) {
		err = fmt.Errorf("%s must be between 0 and 2^31-1, got %d: %w", key, n, ErrInvalidArgument)
	}
	return int(n), err
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64, int64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// codePoints converts a UTF-16 offset into s to a code point offset. An
// offset inside a surrogate pair, or past the end, is an error.
func codePoints(s string, units int) (int, error) {
	n := asciiPrefix(s, units) // one unit and one code point each
	u := n
	for _, r := range s[n:] {
		if u >= units {
			break
		}
		u += utf16.RuneLen(r) // 2 for characters beyond the BMP (surrogate pairs)
		n++
	}
	if u != units {
		return 0, fmt.Errorf("text position %d is past the end or inside a character: %w", units, ErrInvalidArgument)
	}
	return n, nil
}
