// Package kvpage reads a page of IndexedDB records packed into one byte
// buffer, the form in which idb's scans cross from JS to Go: one copy per
// getAll page instead of a few syscall/js calls per record. It is pure Go,
// so it is fuzzed natively.
//
// A page is its records one after the other, each the key's UTF-8 bytes
// and the value's bytes, both preceded by their length as a little-endian
// uint32. idb's JS helper (idb/page.go) writes it; Append writes the same.
package kvpage

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrCorrupt is returned for a page whose lengths do not fit its bytes.
var ErrCorrupt = errors.New("kvpage: corrupt page")

// Append appends one record to page.
func Append(page []byte, key string, value []byte) []byte {
	page = binary.LittleEndian.AppendUint32(page, uint32(len(key)))
	page = append(page, key...)
	page = binary.LittleEndian.AppendUint32(page, uint32(len(value)))
	return append(page, value...)
}

// Each calls fn with each record of page, in order, until fn fails. The
// values share page's memory (the caller must not change page afterwards,
// nor values); keys are copied.
func Each(page []byte, fn func(key string, value []byte) error) error {
	for i := 0; len(page) > 0; i++ {
		key, rest, err := field(page)
		if err != nil {
			return fmt.Errorf("record %d's key: %w", i, err)
		}
		value, rest, err := field(rest)
		if err != nil {
			return fmt.Errorf("record %d's value: %w", i, err)
		}
		if err := fn(string(key), value[:len(value):len(value)]); err != nil {
			return err
		}
		page = rest
	}
	return nil
}

// Count returns the number of records of page (ErrCorrupt if it is not
// one), so that a reader can size what it fills.
func Count(page []byte) (int, error) {
	n := 0
	err := Each(page, func(string, []byte) error { n++; return nil })
	return n, err
}

func field(b []byte) (p, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, ErrCorrupt
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return nil, nil, ErrCorrupt
	}
	return b[:n], b[n:], nil
}
