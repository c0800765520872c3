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
	var f OpFields
	for k, v := range m {
		f.Set(k, v)
	}
	return f.Op()
}

// OpFields holds the fields of an operation's plain object form (see
// OpFromMap) as decoded, nil where absent: jsonops fills them straight
// from the JSON text, without a map (in WebAssembly, hashing each key is
// much of a keystroke's decoding).
type OpFields struct {
	Kind, Collection, ID, Value, Path, Delta, Index, Count, Text, Base any
}

// Set sets the field named key; other keys are ignored.
func (f *OpFields) Set(key string, v any) {
	switch key {
	case "kind":
		f.Kind = v
	case "collection":
		f.Collection = v
	case "id":
		f.ID = v
	case "value":
		f.Value = v
	case "path":
		f.Path = v
	case "delta":
		f.Delta = v
	case "index":
		f.Index = v
	case "count":
		f.Count = v
	case "text":
		f.Text = v
	case "base":
		f.Base = v
	}
}

// Op builds the operation, as OpFromMap describes.
func (f *OpFields) Op() (Op, error) {
	op := Op{Kind: OpKind(str(f.Kind)), Collection: str(f.Collection), ID: str(f.ID), UTF16: true}
	if op.Kind == OpPut {
		doc, ok := f.Value.(map[string]any)
		if !ok {
			return op, fmt.Errorf("document must be a plain object, got %s: %w", typeName(f.Value), ErrInvalidArgument)
		}
		id, err := docID(doc)
		if err != nil {
			return op, err
		}
		op.ID = id
	} else if _, ok := f.ID.(string); !ok {
		return op, fmt.Errorf("document id must be a string, got %s: %w", typeName(f.ID), ErrInvalidArgument)
	}
	op.Value = f.Value
	var err error
	if op.Path, err = pathFrom(f.Path); err != nil {
		return op, err
	}
	if op.Delta, err = intField("delta", f.Delta, 0); err != nil {
		return op, err
	}
	if op.Index, err = intField32("index", f.Index); err != nil {
		return op, err
	}
	if op.Count, err = intField32("count", f.Count); err != nil {
		return op, err
	}
	op.Text = str(f.Text)
	if f.Base != nil {
		base, ok := f.Base.(string)
		if !ok {
			return op, fmt.Errorf("base must be a string, got %s: %w", typeName(f.Base), ErrInvalidArgument)
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

func intField(key string, v any, def int64) (int64, error) {
	if v == nil {
		return def, nil
	}
	n, ok := integer(v)
	if !ok {
		return 0, fmt.Errorf("%s must be an integer, got %v: %w", key, v, ErrInvalidArgument)
	}
	return n, nil
}

func intField32(key string, v any) (int, error) {
	n, err := intField(key, v, 0)
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
