package crdt

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math"
)

// Batch layout (msgpack): [version, count, bin: DEFLATE of the count change
// encodings, concatenated]. Successive changes of a typing session share
// most of their bytes (actor, collection, document, origins), so a batch
// costs a few bytes per keystroke on disk and on the wire.

// maxBatch bounds the inflated size of a batch.
const maxBatch = 256 << 20

// EncodeChanges encodes a batch of changes compactly, for the change log
// on disk and for sending history in bulk.
func EncodeChanges(changes []*Change) []byte {
	var z bytes.Buffer
	encoded := make([][]byte, len(changes))
	for i, c := range changes {
		encoded[i] = EncodeChange(c)
	}
	deflate(&z, encoded...)
	w := newWriter()
	w.array(3)
	w.uint(formatVersion)
	w.uint(uint64(len(encoded)))
	w.bin(z.Bytes())
	return w.buf
}

// DecodeChanges decodes bytes produced by EncodeChanges. It never panics:
// malformed input returns an error wrapping ErrMalformed.
func DecodeChanges(b []byte) ([]*Change, error) {
	r := newReader(b)
	r.arrayExact(3)
	if v := r.uint(); r.err == nil && v != formatVersion {
		r.fail("format version %d", v)
	}
	n := r.uint()
	z := r.bin()
	r.end()
	if r.err != nil {
		return nil, fmt.Errorf("decode changes: %w", r.err)
	}
	limit := min(int64(len(z))*1032+1024, maxBatch)
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), limit+1))
	if err != nil || int64(len(raw)) > limit || n > uint64(len(raw)) || n > math.MaxInt32 {
		return nil, fmt.Errorf("decode changes: %w: bad compressed body", ErrMalformed)
	}
	return decodeConcatenated(raw, int(n))
}

func decodeConcatenated(raw []byte, n int) ([]*Change, error) {
	r := newReader(raw)
	out := make([]*Change, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		c := r.change()
		if r.err == nil {
			if err := checkShape(c); err != nil {
				return nil, fmt.Errorf("decode changes: change %d: %w: %v", i, ErrMalformed, err)
			}
		}
		out = append(out, c)
	}
	r.end()
	if r.err != nil {
		return nil, fmt.Errorf("decode changes: %w", r.err)
	}
	return out, nil
}
