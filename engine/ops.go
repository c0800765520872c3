package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/hearthdb/hearth/crdt"
)

// OpKind names a write operation.
type OpKind string

// The write operations of a transaction.
const (
	OpPut        OpKind = "put"        // replace document ID with Value (a map; its "id" field is the id)
	OpUpdate     OpKind = "update"     // deep-merge the map Value into existing document ID
	OpDelete     OpKind = "delete"     // delete document ID (deleting a missing one is not an error)
	OpIncrement  OpKind = "increment"  // add Delta to the counter at Path
	OpInsertText OpKind = "insertText" // insert Text at Index of the text at Path
	OpDeleteText OpKind = "deleteText" // delete Count characters at Index of the text at Path
)

// Op is one write of a transaction. Text positions count Unicode code
// points, or UTF-16 code units (as JS strings do) when UTF16 is set.
type Op struct {
	Kind       OpKind
	Collection string
	ID         string
	Path       []string
	Value      any
	Delta      int64
	Index      int
	Count      int
	Text       string
	UTF16      bool
	// Base, when set, is the text Index and Count refer to: the text as the
	// caller saw it. Edits that reached the engine since then shift them
	// (see rebaseRange), so concurrent typing lands where it was meant.
	Base *string
}

// Markers are plain objects {"$hearth": kind, "value": v} that ask for a
// field of a special kind; they survive JSON and structured cloning.
const (
	markerKey     = "$hearth"
	markerText    = "text"    // collaborative text, value is the initial string
	markerCounter = "counter" // counter, value is the initial integer
	markerDelete  = "delete"  // in update: remove the field
)

// apply performs op inside tx. current is the document's value before the
// transaction (nil if absent), used by update's deep merge.
func (op *Op) apply(tx *crdt.Tx, current map[string]any, exists bool) error {
	if err := validateAddress(op.Collection, op.ID); err != nil {
		return err
	}
	switch op.Kind {
	case OpPut:
		return op.put(tx)
	case OpUpdate:
		if !exists {
			return fmt.Errorf("update %s/%s: no such document: %w", op.Collection, op.ID, ErrNotFound)
		}
		patch, ok := op.Value.(map[string]any)
		if !ok {
			return fmt.Errorf("update %s/%s: the patch must be an object, got %T: %w", op.Collection, op.ID, op.Value, ErrInvalidArgument)
		}
		return op.merge(tx, nil, patch, current)
	case OpDelete:
		if !exists {
			return nil
		}
		return tx.DeleteDoc(op.Collection, op.ID)
	case OpIncrement:
		return tx.Increment(op.Collection, op.ID, op.Path, op.Delta)
	case OpInsertText:
		ranges, err := op.textRanges(current)
		if err != nil {
			return err
		}
		return tx.InsertText(op.Collection, op.ID, op.Path, ranges[0][0], op.Text)
	case OpDeleteText:
		ranges, err := op.textRanges(current)
		if err != nil {
			return err
		}
		for i := len(ranges) - 1; i >= 0; i-- { // the later first, so the earlier stays put
			r := ranges[i]
			if err := tx.DeleteText(op.Collection, op.ID, op.Path, r[0], r[1]-r[0]); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown operation %q: %w", op.Kind, ErrInvalidArgument)
	}
}

func (op *Op) put(tx *crdt.Tx) error {
	doc, ok := op.Value.(map[string]any)
	if !ok {
		return fmt.Errorf("put %s: the document must be an object, got %T: %w", op.Collection, op.Value, ErrInvalidArgument)
	}
	fields := make(map[string]any, len(doc))
	for k, v := range doc {
		if k == "id" {
			continue // the id addresses the document; it is not a field
		}
		conv, err := fromMarkers(v)
		if err != nil {
			return fmt.Errorf("put %s/%s: field %q: %w", op.Collection, op.ID, k, err)
		}
		fields[k] = conv
	}
	return tx.Put(op.Collection, op.ID, fields)
}

// merge writes patch into the map at path: a nested plain object merges into
// an existing map field; every other value replaces the field.
func (op *Op) merge(tx *crdt.Tx, path []string, patch, current map[string]any) error {
	keys := make([]string, 0, len(patch))
	for k := range patch {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic op order
	for _, k := range keys {
		if len(path) == 0 && k == "id" {
			if patch[k] != op.ID {
				return fmt.Errorf("update %s/%s: the id cannot change: %w", op.Collection, op.ID, ErrInvalidArgument)
			}
			continue
		}
		p := append(slices.Clip(path), k)
		sub, isMap := patch[k].(map[string]any)
		if _, present := current[k]; isMap && sub[markerKey] == markerDelete && !present {
			continue // deleting an absent field is a no-op
		}
		cur, curIsMap := current[k].(map[string]any)
		if isMap && curIsMap && sub[markerKey] == nil {
			if err := op.merge(tx, p, sub, cur); err != nil {
				return err
			}
			continue
		}
		if err := op.setField(tx, p, patch[k]); err != nil {
			return fmt.Errorf("update %s/%s: field %q: %w", op.Collection, op.ID, k, err)
		}
	}
	return nil
}

func (op *Op) setField(tx *crdt.Tx, path []string, v any) error {
	if m, ok := v.(map[string]any); ok && m[markerKey] == markerDelete {
		return tx.DeleteField(op.Collection, op.ID, path)
	}
	conv, err := fromMarkers(v)
	if err != nil {
		return err
	}
	return tx.Set(op.Collection, op.ID, path, conv)
}

// fromMarkers replaces text and counter markers inside v by crdt.Text and
// crdt.Counter. A value without markers is returned as is, not copied: the
// crdt package copies what it keeps.
func fromMarkers(v any) (any, error) {
	if !hasMarker(v) {
		return v, nil
	}
	return replaceMarkers(v, false)
}

// hasMarker reports whether v holds a marker at any depth.
func hasMarker(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[markerKey]; ok {
			return true
		}
		for _, e := range x {
			if hasMarker(e) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(x, hasMarker)
	}
	return false
}

// replaceMarkers is fromMarkers on a copy of v; inList says v is an element
// of a list, where markers are refused.
func replaceMarkers(v any, inList bool) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if kind, ok := x[markerKey]; ok {
			return marker(kind, x, inList)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			conv, err := replaceMarkers(e, false)
			if err != nil {
				return nil, err
			}
			out[k] = conv
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			conv, err := replaceMarkers(e, true)
			if err != nil {
				return nil, err
			}
			out[i] = conv
		}
		return out, nil
	}
	return v, nil // scalars are validated by the crdt package
}

func marker(kind any, m map[string]any, inList bool) (any, error) {
	if len(m) != 2 {
		return nil, fmt.Errorf("a %s marker has exactly the fields %q and \"value\": %w", kind, markerKey, ErrInvalidArgument)
	}
	if inList {
		return nil, fmt.Errorf("a %v marker cannot stand inside a list: %w", kind, ErrInvalidArgument)
	}
	switch kind {
	case markerText:
		s, ok := m["value"].(string)
		if !ok {
			return nil, fmt.Errorf("a text marker's value must be a string: %w", ErrInvalidArgument)
		}
		return crdt.Text(s), nil
	case markerCounter:
		n, ok := integer(m["value"])
		if !ok {
			return nil, fmt.Errorf("a counter marker's value must be an integer: %w", ErrInvalidArgument)
		}
		return crdt.Counter(n), nil
	default:
		return nil, fmt.Errorf("unknown marker %v: %w", kind, ErrInvalidArgument)
	}
}

// integer accepts the int64 of Go callers and the integral float64 of JS.
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

// textRanges returns [Index, Index+Count) as ranges of code points of the
// current text: one, or two when Base is set and edits the caller had not
// seen split it. UTF-16 positions (op.UTF16) are converted against the
// current text.
// splices returns what a text op does to the value current, in code
// points, as the CRDT applies a local edit; false for any other op.
func (op *Op) splices(current map[string]any) ([]crdt.Splice, bool) {
	if op.Kind != OpInsertText && op.Kind != OpDeleteText {
		return nil, false
	}
	ranges, err := op.textRanges(current)
	if err != nil {
		return nil, false
	}
	if op.Kind == OpInsertText {
		return []crdt.Splice{{Path: op.Path, Index: ranges[0][0], Text: op.Text}}, true
	}
	out := make([]crdt.Splice, 0, len(ranges))
	for i := len(ranges) - 1; i >= 0; i-- { // as apply deletes them: the later first
		out = append(out, crdt.Splice{Path: op.Path, Index: ranges[i][0], Delete: ranges[i][1] - ranges[i][0]})
	}
	return out, true
}

func (op *Op) textRanges(current map[string]any) ([][2]int, error) {
	if !op.UTF16 && op.Base == nil {
		return [][2]int{{op.Index, op.Index + op.Count}}, nil
	}
	text, ok := textAt(current, op.Path)
	if !ok {
		return nil, fmt.Errorf("%s/%s: no text at %v: %w", op.Collection, op.ID, op.Path, ErrInvalidArgument)
	}
	return op.unitRanges(stringText(text))
}

// textSource is a text that UTF-16 positions are converted against: a
// string, or a live text (livetext.go).
type textSource interface {
	codePoints(units int) (int, error)
	is(s string) bool
	String() string
}

type stringText string

func (s stringText) codePoints(units int) (int, error) { return codePoints(string(s), units) }
func (s stringText) is(t string) bool                  { return string(s) == t }
func (s stringText) String() string                    { return string(s) }

// unitRanges is textRanges for an op in UTF-16 units or with a Base,
// against text. A code point op's range is moved to UTF-16 units of its
// Base first: rebaseRange works in units.
func (op *Op) unitRanges(text textSource) ([][2]int, error) {
	start, end := op.Index, op.Index+op.Count
	if !op.UTF16 {
		start, end = unitsOf16(*op.Base, start), unitsOf16(*op.Base, end)
	}
	ranges := [][2]int{{start, end}}
	if op.Base != nil && !text.is(*op.Base) {
		ranges = rebaseRange(*op.Base, text.String(), start, end)
	}
	for i, r := range ranges {
		for j, units := range r {
			n, err := text.codePoints(units)
			if err != nil {
				return nil, err
			}
			ranges[i][j] = n
		}
	}
	return ranges, nil
}

// unitsOf16 returns how many UTF-16 units the first n code points of s
// take; a position past the end stays past it.
func unitsOf16(s string, n int) int {
	units := 0
	for _, r := range s {
		if n == 0 {
			return units
		}
		units += unitsOf(r)
		n--
	}
	return units + n
}

// applyLive applies a text op to the transaction and to t, the live text
// at its path, which then holds the text as the op leaves it.
func (op *Op) applyLive(tx *crdt.Tx, t *liveText) error {
	ranges := [][2]int{{op.Index, op.Index + op.Count}}
	if op.UTF16 || op.Base != nil {
		var err error
		if ranges, err = op.unitRanges(t); err != nil {
			return err
		}
	}
	if op.Kind == OpInsertText {
		at := ranges[0][0]
		if err := tx.InsertText(op.Collection, op.ID, op.Path, at, op.Text); err != nil {
			return err
		}
		return op.spliceLive(t, at, 0, op.Text)
	}
	for i := len(ranges) - 1; i >= 0; i-- { // the later first, so the earlier stays put
		r := ranges[i]
		if err := tx.DeleteText(op.Collection, op.ID, op.Path, r[0], r[1]-r[0]); err != nil {
			return err
		}
		if err := op.spliceLive(t, r[0], r[1]-r[0], ""); err != nil {
			return err
		}
	}
	return nil
}

// spliceLive makes in t the edit the transaction just made to the text.
func (op *Op) spliceLive(t *liveText, index, del int, ins string) error {
	if !t.splice(index, del, ins) { // the CRDT took the edit: the copy is wrong
		return fmt.Errorf("%s/%s, text at %v: %w (%w)", op.Collection, op.ID, op.Path, errLiveCopy, ErrStorage)
	}
	return nil
}
