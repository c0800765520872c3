package engine

import (
	"bytes"
	"fmt"
	"io"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// checkSizes walks the msgpack value in b, without decoding it, and refuses
// one whose arrays, maps, strings or byte strings claim more elements or
// bytes than the rest of b holds, one nested deeper than maxDepth, and any
// extension type (no document value is one). The msgpack decoder sizes its
// allocations by those claims, so without this a few bytes from another
// process could ask it for gigabytes, and deep nesting for a deep stack.
func checkSizes(b []byte, maxDepth int) error {
	r := bytes.NewReader(b)
	c := sizeChecker{dec: msgpack.NewDecoder(r), left: r, maxDepth: maxDepth}
	if err := c.value(0); err != nil {
		return err
	}
	if r.Len() != 0 {
		return fmt.Errorf("%d trailing bytes", r.Len())
	}
	return nil
}

type sizeChecker struct {
	dec      *msgpack.Decoder
	left     *bytes.Reader // what dec has not read yet
	maxDepth int
}

func (c *sizeChecker) value(depth int) error {
	if depth > c.maxDepth {
		return fmt.Errorf("nested deeper than %d", c.maxDepth)
	}
	code, err := c.dec.PeekCode()
	if err != nil {
		return err
	}
	switch {
	case msgpcode.IsFixedArray(code) || code == msgpcode.Array16 || code == msgpcode.Array32:
		n, err := c.dec.DecodeArrayLen()
		return c.elements(n, 1, err, depth)
	case msgpcode.IsFixedMap(code) || code == msgpcode.Map16 || code == msgpcode.Map32:
		n, err := c.dec.DecodeMapLen()
		return c.elements(n, 2, err, depth)
	case msgpcode.IsString(code) || msgpcode.IsBin(code):
		n, err := c.dec.DecodeBytesLen()
		if err != nil {
			return err
		}
		if n > c.left.Len() {
			return fmt.Errorf("string of %d bytes with %d left", n, c.left.Len())
		}
		_, err = c.left.Seek(int64(n), io.SeekCurrent)
		return err
	case msgpcode.IsExt(code):
		return fmt.Errorf("unsupported msgpack extension (code 0x%02x)", code)
	}
	return c.dec.Skip() // a scalar of fixed size
}

// elements checks the n values (n key-value pairs when per is 2) of a
// container whose header was just read.
func (c *sizeChecker) elements(n, per int, err error, depth int) error {
	if err != nil {
		return err
	}
	if n > c.left.Len()/per { // each value takes at least one byte
		return fmt.Errorf("%d elements with %d bytes left", n, c.left.Len())
	}
	for range n * per {
		if err := c.value(depth + 1); err != nil {
			return err
		}
	}
	return nil
}
