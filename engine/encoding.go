package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/hearthdb/hearth/crdt"
	"github.com/vmihailenco/msgpack/v5"
)

// docValue is the value of one document after a commit; a nil Value means
// the document no longer exists, unless Stored says the value was left out
// of the notice for its size: the other tabs read it from the storage; or,
// in this tab, lazy says it is yet to be built (no reader needed it when
// the commit ran; group.go builds it for the other tabs).
type docValue struct {
	Collection string         `msgpack:"c"`
	ID         string         `msgpack:"i"`
	Value      map[string]any `msgpack:"v"`
	Stored     bool           `msgpack:"s,omitempty"`
	lazy       bool
}

func (d docValue) key() docKey { return docKey{d.Collection, d.ID} }

// maxNoticeValue bounds the size of a value a notice carries (roughly, see
// valueSize): a keystroke in a large note must not send the note to every
// tab.
const maxNoticeValue = 16 << 10

// forOtherTabs returns n as the other tabs get it: values over
// maxNoticeValue left out, for them to read from the storage.
func (n notice) forOtherTabs() notice {
	var docs []docValue // a copy, once a value is left out
	for i, d := range n.Docs {
		if d.Value == nil || valueSize(d.Value, maxNoticeValue) <= maxNoticeValue {
			continue
		}
		if docs == nil {
			docs = slices.Clone(n.Docs)
		}
		docs[i].Value, docs[i].Stored = nil, true
	}
	if docs != nil {
		n.Docs = docs
	}
	return n
}

// valueSize estimates the encoded size of v, stopping once past limit:
// strings count their bytes, other values a few bytes each.
func valueSize(v any, limit int) int {
	switch x := v.(type) {
	case string:
		return len(x) + 2
	case []byte:
		return len(x) + 2
	case map[string]any:
		n := 1
		for k, e := range x {
			if n += len(k) + valueSize(e, limit-n); n > limit {
				break
			}
		}
		return n
	case []any:
		n := 1
		for _, e := range x {
			if n += valueSize(e, limit-n); n > limit {
				break
			}
		}
		return n
	default:
		return 9
	}
}

// notice tells the other processes sharing the storage what a commit did, so
// their views and subscriptions follow without reading the storage.
type notice struct {
	Commit uint64     `msgpack:"n"`
	Docs   []docValue `msgpack:"d"`
}

func (n notice) encode() []byte {
	b, err := msgpack.Marshal(n)
	if err != nil {
		panic(fmt.Sprintf("engine: encode notice: %v", err)) // values came from the replica: always encodable
	}
	return b
}

// maxNoticeDepth bounds a notice's nesting before it is decoded: its own
// three levels above a document, the 64 a document may have below
// (crdt.Materialize checks that exactly), and a margin.
const maxNoticeDepth = 3 + 64 + 4

// decodeNotice decodes a notice from another process and checks it as a
// commit checks its input: the sizes it claims must fit in b, each document
// needs a collection and an id, and its value may hold only what a
// document holds (no extension types, NaN, invalid UTF-8 or nesting past
// the limit), normalized as a document holds it (an unsigned integer
// becomes an int64). A notice that fails is refused whole, so a malformed
// one cannot leave values in the view that no query result could carry to
// JavaScript.
func decodeNotice(b []byte) (notice, error) {
	if err := checkSizes(b, maxNoticeDepth); err != nil {
		return notice{}, fmt.Errorf("decode commit notice: %w", errors.Join(ErrInvalidArgument, err))
	}
	var n notice
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.UseLooseInterfaceDecoding(true)
	if err := dec.Decode(&n); err != nil {
		return notice{}, fmt.Errorf("decode commit notice: %w", errors.Join(ErrInvalidArgument, err))
	}
	for i, d := range n.Docs {
		if err := validateAddress(d.Collection, d.ID); err != nil {
			return notice{}, fmt.Errorf("decode commit notice: %w", err)
		}
		if d.Value == nil {
			continue
		}
		v, err := crdt.Materialize(d.Value, 0)
		if err != nil {
			return notice{}, fmt.Errorf("decode commit notice: document %q of %q: %w", d.ID, d.Collection, err)
		}
		n.Docs[i].Value = v.(map[string]any)
	}
	return n, nil
}

// encodeValue encodes a document value for StoreDocs.
func encodeValue(v map[string]any) ([]byte, error) {
	if b, ok := appendValue(nil, v); ok { // valueenc.go
		return b, nil
	}
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode document: %w", errors.Join(ErrInvalidArgument, err))
	}
	return buf.Bytes(), nil
}

// decodeValue decodes a document value as encodeValue wrote it (the part
// of a StoreDocs value that storedValue returns). A loop over many values
// decodes them faster through one valueDecoder.
func decodeValue(data []byte) (map[string]any, error) {
	var d valueDecoder
	return d.decodeDoc(data)
}

// decodeDoc is decodeValue through d.
func (d *valueDecoder) decodeDoc(data []byte) (map[string]any, error) {
	doc, err := d.decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode document: %w", errors.Join(ErrStorage, err))
	}
	return doc, nil
}

// decodeStored decodes the value of a StoreDocs record (storedValue, then
// decodeDoc): nil for a deleted document.
func (d *valueDecoder) decodeStored(b []byte) (map[string]any, error) {
	v, err := storedValue(b)
	if err != nil || v == nil {
		return nil, err
	}
	return d.decodeDoc(v)
}

func encodeUint(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func decodeUint(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("stored counter has %d bytes, want 8: %w", len(b), ErrStorage)
	}
	return binary.BigEndian.Uint64(b), nil
}
