package sync

import (
	"bytes"
	"fmt"

	"github.com/hearthdb/hearth/crdt"
	"github.com/vmihailenco/msgpack/v5"
)

// Encode returns the frame for m in ProtocolVersion: a msgpack array whose
// first two elements are the version and m's type. Encoding is
// deterministic: version vectors are written with actors sorted and zero
// entries left out.
func Encode(m Message) ([]byte, error) { return EncodeVersion(m, ProtocolVersion) }

// EncodeVersion returns the frame for m in protocol version v
// (MinProtocolVersion..ProtocolVersion): a version 1 WELCOME has no epoch.
func EncodeVersion(m Message, v uint64) ([]byte, error) {
	var buf bytes.Buffer
	if err := AppendVersion(&buf, m, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// AppendTo writes the frame for m in ProtocolVersion to buf (used to build
// HTTP bodies, which are frames back to back).
func AppendTo(buf *bytes.Buffer, m Message) error { return AppendVersion(buf, m, ProtocolVersion) }

// AppendVersion writes the frame for m in protocol version v to buf.
func AppendVersion(buf *bytes.Buffer, m Message, v uint64) error {
	if v < MinProtocolVersion || v > ProtocolVersion {
		return fmt.Errorf("%w: cannot encode version %d", ErrVersion, v)
	}
	enc := msgpack.NewEncoder(buf)
	w := &writer{enc: enc, v: v}
	switch m := m.(type) {
	case *Hello:
		w.head(TypeHello, 3)
		w.str(m.Space)
		w.str(m.Token)
		w.vv(m.Version)
	case *Welcome:
		w.head(TypeWelcome, welcomeFields(v))
		w.vv(m.Version)
		w.uint(m.MaxFrame)
		w.uint(m.MaxBatch)
		if v >= 2 {
			w.str(m.Epoch)
		}
	case *Push:
		w.head(TypePush, 2)
		w.uint(m.ID)
		w.envs(m.Changes)
	case *Ack:
		w.head(TypeAck, 2)
		w.uint(m.ID)
		w.vv(m.Version)
	default:
		return appendMore(w, m)
	}
	return w.err
}

func appendMore(w *writer, m Message) error {
	switch m := m.(type) {
	case *Changes:
		w.head(TypeChanges, 2)
		w.envs(m.Changes)
		w.bool(m.Done)
	case *Live:
		w.head(TypeLive, 1)
		w.envs(m.Changes)
	case *ErrorMessage:
		w.head(TypeError, 3)
		w.uint(uint64(m.Code))
		w.str(m.Message)
		w.uint(m.ID)
	default:
		return fmt.Errorf("%w: cannot encode %T", ErrUnknownType, m)
	}
	return w.err
}

// writer keeps the first error so encoders read as straight-line code.
type writer struct {
	enc *msgpack.Encoder
	v   uint64 // protocol version
	err error
}

func (w *writer) do(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *writer) head(t Type, fields int) {
	w.do(w.enc.EncodeArrayLen(2 + fields))
	w.uint(w.v)
	w.uint(uint64(t))
}

func (w *writer) uint(n uint64) { w.do(w.enc.EncodeUint(n)) }
func (w *writer) str(s string)  { w.do(w.enc.EncodeString(s)) }
func (w *writer) bool(b bool)   { w.do(w.enc.EncodeBool(b)) }

// bin writes b as msgpack bin, never as nil (an empty payload is bin 0).
func (w *writer) bin(b []byte) {
	if b == nil {
		b = []byte{}
	}
	w.do(w.enc.EncodeBytes(b))
}

func (w *writer) vv(v crdt.VersionVector) {
	actors := v.Actors()
	w.do(w.enc.EncodeMapLen(len(actors)))
	for _, a := range actors {
		w.str(string(a))
		w.uint(v[a])
	}
}

func (w *writer) envs(envs []Envelope) {
	w.do(w.enc.EncodeArrayLen(len(envs)))
	for _, e := range envs {
		w.do(w.enc.EncodeArrayLen(3))
		w.str(string(e.Actor))
		w.uint(e.Seq)
		w.bin(e.Payload)
	}
}
