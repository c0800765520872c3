package sync

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/hearthdb/hearth/crdt"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Decode decodes one frame. It never panics on outside bytes: a frame over
// lim.MaxFrame, a field over a limit, a wrong version, an unknown type,
// trailing bytes or any malformed input return an error wrapping ErrTooLarge,
// ErrVersion, ErrUnknownType or ErrMalformed.
func Decode(frame []byte, lim Limits) (Message, error) {
	if len(frame) > lim.MaxFrame {
		return nil, tooLarge("frame of %d bytes, limit %d", len(frame), lim.MaxFrame)
	}
	r := bytes.NewReader(frame)
	m, err := decodeOne(r, lim)
	if err != nil {
		return nil, err
	}
	if r.Len() != 0 {
		return nil, malformed("%d trailing bytes", r.Len())
	}
	return m, nil
}

// DecodeStream decodes frames written back to back (an HTTP body), at most
// maxFrames of them, each within lim.
func DecodeStream(body []byte, lim Limits, maxFrames int) ([]Message, error) {
	r := bytes.NewReader(body)
	var out []Message
	for r.Len() > 0 {
		if len(out) == maxFrames {
			return nil, tooLarge("more than %d frames", maxFrames)
		}
		start := r.Len()
		m, err := decodeOne(r, lim)
		if err != nil {
			return nil, err
		}
		if start-r.Len() > lim.MaxFrame {
			return nil, tooLarge("frame of %d bytes, limit %d", start-r.Len(), lim.MaxFrame)
		}
		out = append(out, m)
	}
	return out, nil
}

func decodeOne(r *bytes.Reader, lim Limits) (Message, error) {
	d := &reader{dec: msgpack.NewDecoder(r), lim: lim, left: r}
	n := d.arrayLen(16)
	v := d.uint()
	t := Type(d.uint())
	if d.err != nil {
		return nil, d.err
	}
	if n < 2 {
		return nil, malformed("frame array of %d elements", n)
	}
	if v < MinProtocolVersion || v > ProtocolVersion {
		return nil, &versionError{got: v}
	}
	m := d.body(t, n-2, v)
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

// fieldCount is the number of fields after version and type, per type, in
// version 1; version 2 adds PART and fields to HELLO and WELCOME (extra).
var fieldCount = map[Type]int{
	TypeHello: 3, TypeWelcome: 3, TypePush: 2, TypeAck: 2,
	TypeChanges: 2, TypeLive: 1, TypeError: 3, TypePart: 6, TypeSnapshot: 5,
}

func (d *reader) body(t Type, fields int, v uint64) Message {
	want, ok := fieldCount[t]
	if (t == TypePart && v < 2) || (t == TypeSnapshot && v < SnapshotProtocolVersion) {
		ok = false
	}
	want += extra(t, v)
	if !ok {
		d.fail(fmt.Errorf("%w: type %d", ErrUnknownType, uint64(t)))
		return nil
	}
	if fields != want {
		d.fail(malformed("type %d with %d fields, want %d", uint64(t), fields, want))
		return nil
	}
	switch t {
	case TypeHello:
		h := &Hello{Space: d.id(), Token: d.str(MaxTokenLen), Version: d.vv(), Proto: v}
		if v >= 2 {
			h.MaxChange = d.uint()
		}
		return h
	case TypeWelcome:
		w := &Welcome{Version: d.vv(), MaxFrame: d.uint(), MaxBatch: d.uint(), Proto: v}
		if v >= 2 {
			w.MaxChange = d.uint()
			w.Epoch = d.str(MaxIDLen)
		}
		if v >= 3 {
			w.Snapshot, w.SnapshotAfter, w.MaxSnapshot = d.vv(), d.uint(), d.uint()
		}
		return w
	case TypePart:
		return d.part()
	case TypeSnapshot:
		return d.snapshot()
	case TypePush:
		return &Push{ID: d.uint(), Changes: d.envs()}
	case TypeAck:
		return &Ack{ID: d.uint(), Version: d.vv()}
	case TypeChanges:
		return &Changes{Changes: d.envs(), Done: d.bool()}
	case TypeLive:
		return &Live{Changes: d.envs()}
	default:
		return &ErrorMessage{Code: Code(d.uint()), Message: d.str(MaxErrorText), ID: d.uint()}
	}
}

// reader decodes strictly: every accessor checks the msgpack type code and
// the limit before allocating, and keeps the first error.
type reader struct {
	dec  *msgpack.Decoder
	lim  Limits
	left *bytes.Reader
	err  error
}

func (d *reader) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *reader) code() (byte, bool) {
	if d.err != nil {
		return 0, false
	}
	c, err := d.dec.PeekCode()
	if err != nil {
		d.fail(malformed("truncated frame"))
		return 0, false
	}
	return c, true
}

func (d *reader) check(err error) {
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.ErrUnexpectedEOF
		}
		d.fail(malformed("%v", err))
	}
}

func (d *reader) uint() uint64 {
	c, ok := d.code()
	if !ok {
		return 0
	}
	if c > msgpcode.PosFixedNumHigh && (c < msgpcode.Uint8 || c > msgpcode.Uint64) {
		d.fail(malformed("want unsigned integer, got code 0x%02x", c))
		return 0
	}
	n, err := d.dec.DecodeUint64()
	d.check(err)
	return n
}

func (d *reader) bool() bool {
	c, ok := d.code()
	if !ok {
		return false
	}
	if c != msgpcode.True && c != msgpcode.False {
		d.fail(malformed("want bool, got code 0x%02x", c))
		return false
	}
	b, err := d.dec.DecodeBool()
	d.check(err)
	return b
}

// rawLen reads a str or bin header (as isStr says) and checks n <= max.
func (d *reader) rawLen(isStr bool, max int) int {
	c, ok := d.code()
	if !ok {
		return 0
	}
	str := msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32
	bin := c == msgpcode.Bin8 || c == msgpcode.Bin16 || c == msgpcode.Bin32
	if (isStr && !str) || (!isStr && !bin) {
		d.fail(malformed("want str/bin, got code 0x%02x", c))
		return 0
	}
	n, err := d.dec.DecodeBytesLen()
	d.check(err)
	if d.err == nil && n > max {
		d.fail(tooLarge("field of %d bytes, limit %d", n, max))
	}
	if d.err == nil && n > d.left.Len() {
		d.fail(malformed("truncated field"))
	}
	return n
}

func (d *reader) raw(isStr bool, max int) []byte {
	n := d.rawLen(isStr, max)
	if d.err != nil {
		return nil
	}
	b := make([]byte, n)
	d.check(d.dec.ReadFull(b))
	return b
}

func (d *reader) str(max int) string { return string(d.raw(true, max)) }

// id reads an actor id or space name: 1..MaxIDLen bytes.
func (d *reader) id() string {
	s := d.str(MaxIDLen)
	if d.err == nil && s == "" {
		d.fail(malformed("empty id"))
	}
	return s
}

func (d *reader) arrayLen(max int) int {
	c, ok := d.code()
	if !ok {
		return 0
	}
	if (c < msgpcode.FixedArrayLow || c > msgpcode.FixedArrayHigh) && c != msgpcode.Array16 && c != msgpcode.Array32 {
		d.fail(malformed("want array, got code 0x%02x", c))
		return 0
	}
	n, err := d.dec.DecodeArrayLen()
	d.check(err)
	if d.err == nil && n > max {
		d.fail(tooLarge("array of %d elements, limit %d", n, max))
	}
	return n
}

func (d *reader) mapLen(max int) int {
	c, ok := d.code()
	if !ok {
		return 0
	}
	if (c < msgpcode.FixedMapLow || c > msgpcode.FixedMapHigh) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		d.fail(malformed("want map, got code 0x%02x", c))
		return 0
	}
	n, err := d.dec.DecodeMapLen()
	d.check(err)
	if d.err == nil && n > max {
		d.fail(tooLarge("version vector of %d actors, limit %d", n, max))
	}
	return n
}

// vv reads a version vector: distinct non-empty actors, seqs >= 1.
func (d *reader) vv() crdt.VersionVector {
	n := d.mapLen(d.lim.MaxActors)
	vv := make(crdt.VersionVector, min(n, 64))
	for i := 0; i < n && d.err == nil; i++ {
		a := crdt.ActorID(d.id())
		s := d.uint()
		if _, dup := vv[a]; d.err == nil && (dup || s == 0) {
			d.fail(malformed("version vector entry %q=%d duplicate or zero", a, s))
		}
		vv[a] = s
	}
	return vv
}

// envs reads a batch of envelopes: seqs >= 1, per actor strictly increasing
// by one within the batch.
func (d *reader) envs() []Envelope {
	n := d.arrayLen(d.lim.MaxBatch)
	out := make([]Envelope, 0, min(n, 64))
	last := map[crdt.ActorID]uint64{}
	for i := 0; i < n && d.err == nil; i++ {
		if d.arrayLen(3) != 3 && d.err == nil {
			d.fail(malformed("envelope is not [actor, seq, payload]"))
		}
		e := Envelope{Actor: crdt.ActorID(d.id()), Seq: d.uint(), Payload: d.raw(false, d.lim.MaxPayload)}
		if prev, seen := last[e.Actor]; d.err == nil && (e.Seq == 0 || (seen && e.Seq != prev+1)) {
			d.fail(malformed("envelope %s:%d out of order", e.Actor, e.Seq))
		}
		last[e.Actor] = e.Seq
		out = append(out, e)
	}
	return out
}
