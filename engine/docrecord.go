package engine

import (
	"encoding/binary"
	"fmt"
)

// A document's checkpoint is one StoreDocs record: its value (what queries
// read) and its CRDT state (what a commit builds on), so that writing a
// document costs one IndexedDB value, and one read tells whether a
// document exists and what it is. The record is docRecordMark, the length
// of the msgpack value plus one (0: the document is deleted and has no
// value), the value, then the state (crdt.EncodeDoc) to the end.
//
// Layout 1 (before) kept the value alone in StoreDocs and the state in
// StoreState, and dropped a deleted document's value; migrate.go moves such
// a database to this layout when it opens.

// docRecordMark opens a document record: 0xc1 is never used by msgpack,
// so a layout-1 value (a msgpack map) never starts with it.
const docRecordMark = 0xc1

// encodeDocRecord returns the record of a document with msgpack value
// (nil: deleted) and CRDT state.
func encodeDocRecord(value, state []byte) []byte {
	n := uint64(0)
	if value != nil {
		n = uint64(len(value)) + 1
	}
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(value)+len(state))
	b = append(b, docRecordMark)
	b = binary.AppendUvarint(b, n)
	b = append(b, value...)
	return append(b, state...)
}

// splitDocRecord returns the msgpack value (nil for a deleted document)
// and the CRDT state of a record. A layout-1 StoreDocs value is a value
// without state.
func splitDocRecord(b []byte) (value, state []byte, err error) {
	if len(b) == 0 || b[0] != docRecordMark {
		return b, nil, nil
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n > uint64(len(b)-1-k) {
		return nil, nil, fmt.Errorf("document record: bad value length: %w", ErrStorage)
	}
	b = b[1+k:]
	if n == 0 {
		return nil, b, nil
	}
	return b[:n-1], b[n-1:], nil
}

// storedValue returns the encoded value (encodeValue's bytes) of a
// StoreDocs record, nil for a deleted document. Every read of a document's
// value goes through it.
func storedValue(b []byte) ([]byte, error) {
	v, _, err := splitDocRecord(b)
	return v, err
}
