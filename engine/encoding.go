package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// docValue is the value of one document after a commit; a nil Value means
// the document no longer exists.
type docValue struct {
	Collection string         `msgpack:"c"`
	ID         string         `msgpack:"i"`
	Value      map[string]any `msgpack:"v"`
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

func decodeNotice(b []byte) (notice, error) {
	var n notice
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.UseLooseInterfaceDecoding(true)
	if err := dec.Decode(&n); err != nil {
		return notice{}, fmt.Errorf("decode commit notice: %w", errors.Join(ErrInvalidArgument, err))
	}
	return n, nil
}

// encodeValue encodes a document value for StoreDocs.
func encodeValue(v map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode document: %w", errors.Join(ErrInvalidArgument, err))
	}
	return buf.Bytes(), nil
}

// decodeValue decodes a StoreDocs value.
func decodeValue(data []byte) (map[string]any, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(data))
	dec.UseLooseInterfaceDecoding(true)
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode document: %w", errors.Join(ErrStorage, err))
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

func encodeUint(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func decodeUint(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("stored counter has %d bytes, want 8: %w", len(b), ErrStorage)
	}
	return binary.BigEndian.Uint64(b), nil
}
