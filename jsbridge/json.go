//go:build js && wasm

package jsbridge

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/hearthdb/hearth/query"
)

// Results cross to JS as JSON text, which the npm package parses with the
// browser's native JSON.parse: one string crossing instead of one
// syscall/js call per key and value (the per-value crossing cost most of a
// subscription callback's time).

// appendJSON appends v, a JSON-like value as the engine returns, to b.
func appendJSON(b []byte, v any) ([]byte, error) {
	w := jsonWriter{b: b}
	err := w.value(v)
	return w.b, err
}

// jsonWriter writes one value. Objects are written with "id" first, then
// the other keys sorted, so results have a stable shape whatever Go's map
// order. Sorting every row's keys cost more than writing them, and the
// rows of a result mostly share their keys, so the writer remembers the
// key orders (shapes) it sorted and reuses one that fits a map.
type jsonWriter struct {
	b      []byte
	shapes [][]string
	vals   []any // the values of the objects being written, innermost last
}

// maxShapes bounds the key orders a writer remembers (a document's own
// order and those of a few nested objects).
const maxShapes = 8

func (w *jsonWriter) value(v any) error {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	case string:
		w.b = appendJSONString(w.b, x)
	case int64:
		w.b = strconv.AppendInt(w.b, x, 10)
	case uint64:
		w.b = strconv.AppendUint(w.b, x, 10)
	case float64:
		return w.float(x)
	case []any:
		w.b = append(w.b, '[')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			if err := w.value(e); err != nil {
				return err
			}
		}
		w.b = append(w.b, ']')
	case map[string]any:
		return w.object(x)
	case cachedRows:
		return w.cachedRows(x)
	case resultRows:
		return w.rows(x)
	default:
		return fmt.Errorf("cannot send %T to JavaScript", v)
	}
	return nil
}

// float writes integral values (most numbers in documents) as integers,
// which is faster than the shortest-float algorithm and parses to the same
// number. -0 keeps its sign.
func (w *jsonWriter) float(x float64) error {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return fmt.Errorf("cannot send %v to JavaScript as JSON", x)
	case x == math.Trunc(x) && math.Abs(x) < 1e15 && (x != 0 || !math.Signbit(x)):
		w.b = strconv.AppendInt(w.b, int64(x), 10)
	default:
		w.b = strconv.AppendFloat(w.b, x, 'g', -1, 64)
	}
	return nil
}

func (w *jsonWriter) object(m map[string]any) error {
	base := len(w.vals)
	keys := w.shape(m) // appends m's values, in keys' order, to w.vals
	err := w.fields(keys, w.vals[base:])
	w.vals = w.vals[:base]
	return err
}

func (w *jsonWriter) fields(keys []string, vals []any) error {
	w.b = append(w.b, '{')
	for i, k := range keys {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, k)
		w.b = append(w.b, ':')
		if err := w.value(vals[i]); err != nil {
			return err
		}
	}
	w.b = append(w.b, '}')
	return nil
}

// row writes one document with its id first.
func (w *jsonWriter) row(r query.Row) error {
	w.b = append(w.b, `{"id":`...)
	w.b = appendJSONString(w.b, r.ID)
	base := len(w.vals)
	keys := w.shape(r.Doc)
	for j, k := range keys {
		if k == "id" {
			continue // the row's ID is the id
		}
		w.b = append(w.b, ',')
		w.b = appendJSONString(w.b, k)
		w.b = append(w.b, ':')
		if err := w.value(w.vals[base+j]); err != nil {
			return err
		}
	}
	w.vals = w.vals[:base]
	w.b = append(w.b, '}')
	return nil
}

// resultRows is a query's result as the view holds it (engine.QueryResult),
// written as an array of documents with their ids.
type resultRows query.Result

func (w *jsonWriter) rows(rows resultRows) error {
	w.b = append(w.b, '[')
	for i, r := range rows {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		if err := w.row(r); err != nil {
			return err
		}
	}
	w.b = append(w.b, ']')
	return nil
}

// rowCache remembers where each row of a subscription's last call was, so
// that a call writes anew only the rows that changed and sends each other
// one as the number of its place in the last call's array (rows.js puts the
// row back): the engine's view replaces a document's map when the document
// changes and never modifies it, so a row with the same id and the same map
// is the same row. Rows are objects, so a number is never taken for one.
type rowCache struct {
	last, spare []rowKey   // the last call's rows, in order; a buffer for the next
	shapes      [][]string // the key orders its writers learnt (see shape)
}

type rowKey struct {
	id  string
	doc unsafe.Pointer // the map's identity; holding it keeps the map alive
}

// cachedRows is a live query's result written through its rowCache.
type cachedRows struct {
	rows  query.Result
	cache *rowCache
}

func (w *jsonWriter) cachedRows(x cachedRows) error {
	c := x.cache
	next := c.spare[:0]
	f := rowFinder{last: c.last}
	// The rows of one query have the same few shapes call after call.
	shapes := w.shapes
	w.shapes = c.shapes
	defer func() { c.shapes, w.shapes = w.shapes, shapes }()
	w.b = append(w.b, '[')
	for i, r := range x.rows {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		k := rowKey{r.ID, reflect.ValueOf(r.Doc).UnsafePointer()}
		if at := f.find(k); at >= 0 {
			w.b = strconv.AppendInt(w.b, int64(at), 10)
		} else if err := w.row(r); err != nil {
			c.last = nil // the next call sends every row
			return err
		}
		next = append(next, k)
	}
	w.b = append(w.b, ']')
	clear(c.last) // let go of the maps it kept alive
	c.last, c.spare = next, c.last[:0]
	return nil
}

// rowFinder finds rows in the last call's array. Unchanged rows keep their
// order (their sort keys did not change), so each is looked for past the
// previous one found, and a changed row, found nowhere, is known missing
// once the search reaches the end. Only results longer than nearRows past
// that point build a map of the whole array instead.
type rowFinder struct {
	last []rowKey
	next int            // where the previous row found was, plus one
	all  map[rowKey]int // built on the first search that nearRows cuts short
}

// nearRows bounds the scan of find before it uses the map.
const nearRows = 64

// find returns k's place in the last call's array, or -1.
func (f *rowFinder) find(k rowKey) int {
	end := min(f.next+nearRows, len(f.last))
	for i := f.next; i < end; i++ {
		if f.last[i].doc == k.doc && f.last[i].id == k.id {
			f.next = i + 1
			return i
		}
	}
	if end == len(f.last) {
		return -1
	}
	if f.all == nil {
		f.all = make(map[rowKey]int, len(f.last))
		for i, l := range f.last {
			f.all[l] = i
		}
	}
	if i, ok := f.all[k]; ok {
		f.next = i + 1
		return i
	}
	return -1
}

// shape returns m's keys in writing order, and appends their values to
// w.vals: a remembered order that holds exactly m's keys (same count, each
// present), or a newly sorted one.
func (w *jsonWriter) shape(m map[string]any) []string {
	if w.vals == nil { // the first object: room for most documents' values at once
		w.vals = make([]any, 0, 32)
	}
	base := len(w.vals)
next:
	for _, keys := range w.shapes {
		if len(keys) != len(m) {
			continue
		}
		for _, k := range keys {
			v, ok := m[k]
			if !ok {
				w.vals = w.vals[:base]
				continue next
			}
			w.vals = append(w.vals, v)
		}
		return keys
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if i := slices.Index(keys, "id"); i > 0 {
		copy(keys[1:i+1], keys[:i])
		keys[0] = "id"
	}
	for _, k := range keys {
		w.vals = append(w.vals, m[k])
	}
	if len(w.shapes) < maxShapes {
		w.shapes = append(w.shapes, keys)
	}
	return keys
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the bytes a JSON string holds as they are.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString quotes s as a JSON string, copying runs of bytes that
// need no escape at once. Invalid UTF-8 (which the engine never stores)
// becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainASCII[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		if c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
