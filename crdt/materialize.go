package crdt

// Materialize returns v as Get reads back a field that Put or Set wrote
// with it, depth levels below the document (1 for a top-level field): Text
// as its string, Counter as its int64, maps and lists as copies with
// normalized scalars. It refuses what Put and Set refuse, with their
// errors. An engine uses it to show a write's outcome before the
// transaction that makes it has run.
func Materialize(v any, depth int) (any, error) {
	if err := checkField(v, depth); err != nil {
		return nil, err
	}
	return materialize(v), nil
}

// materialize is Materialize on a value checkField accepted.
func materialize(v any) any {
	switch x := v.(type) {
	case Text:
		return string(x)
	case Counter:
		return int64(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = materialize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i], _ = normAtomic(e, 0) // valid: checkField normalized it once
		}
		return out
	}
	s, _, _ := normScalar(v)
	return s
}
