package sync

import (
	"bytes"
	"fmt"

	"github.com/hearthdb/hearth/crdt"
	"github.com/vmihailenco/msgpack/v5"
)

// Encode returns the frame for m: a msgpack array whose first two elements
// are the protocol version and m's type. Encoding is deterministic: version
// vectors are written with actors sorted and zero entries left out.
// Hello and Welcome are written in their Proto version, the others in
// ProtocolVersion (see EncodeVersion).
func Encode(m Message) ([]byte, error) { return EncodeVersion(m, 0) }

// EncodeVersion is Encode in protocol version v
// (MinProtocolVersion..ProtocolVersion; 0: the message's Proto, or
// ProtocolVersion), so that a session speaks the version its HELLO chose:
// a version 1 HELLO or WELCOME has no max_change nor epoch, and version 1
// has no PART.
func EncodeVersion(m Message, v uint64) ([]byte, error) {
	var buf bytes.Buffer
	if err := AppendVersion(&buf, m, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// AppendTo writes the frame for m to buf (used to build HTTP bodies, which
// are frames back to back).
func AppendTo(buf *bytes.Buffer, m Message) error { return AppendVersion(buf, m, 0) }

// AppendVersion is AppendTo in protocol version v, as EncodeVersion.
func AppendVersion(buf *bytes.Buffer, m Message, v uint64) error {
	enc := msgpack.NewEncoder(buf)
	w := &writer{enc: enc, v: frameVersion(m, v)}
	if w.v < MinProtocolVersion || w.v > ProtocolVersion {
		return fmt.Errorf("%w: cannot encode version %d", ErrVersion, w.v)
	}
	switch m := m.(type) {
	case *Hello:
		w.head(TypeHello, 3+extra(TypeHello, w.v))
		w.str(m.Space)
		w.str(m.Token)
		w.vv(m.Version)
		if w.v >= 2 {
			w.uint(m.MaxChange)
		}
	case *Welcome:
		w.head(TypeWelcome, 3+extra(TypeWelcome, w.v))
		w.vv(m.Version)
		w.uint(m.MaxFrame)
		w.uint(m.MaxBatch)
		if w.v >= 2 {
			w.uint(m.MaxChange)
			w.str(m.Epoch)
		}
		if w.v >= 3 {
			w.vv(m.Snapshot)
			w.uint(m.SnapshotAfter)
			w.uint(m.MaxSnapshot)
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
	case *Part:
		if w.v < 2 {
			return fmt.Errorf("%w: PART needs protocol version 2", ErrVersion)
		}
		w.head(TypePart, 6)
		w.uint(m.ID)
		w.str(string(m.Actor))
		w.uint(m.Seq)
		w.uint(m.Total)
		w.uint(m.Offset)
		w.bin(m.Chunk)
	case *Snapshot:
		if w.v < SnapshotProtocolVersion {
			return fmt.Errorf("%w: SNAPSHOT needs protocol version %d", ErrVersion, SnapshotProtocolVersion)
		}
		w.head(TypeSnapshot, 5)
		w.uint(m.ID)
		w.vv(m.Version)
		w.uint(m.Total)
		w.uint(m.Offset)
		w.bin(m.Chunk)
	default:
		return fmt.Errorf("%w: cannot encode %T", ErrUnknownType, m)
	}
	return w.err
}

// frameVersion is the version to write m in: v, else Hello's or
// Welcome's Proto, else ProtocolVersion.
func frameVersion(m Message, v uint64) uint64 {
	if v == 0 {
		switch m := m.(type) {
		case *Hello:
			v = m.Proto
		case *Welcome:
			v = m.Proto
		}
	}
	if v == 0 {
		v = ProtocolVersion
	}
	return v
}

// extra is the number of fields version v adds to a message of type t:
// max_change to HELLO, max_change and epoch to WELCOME (version 2), and
// snapshot, snapshot_after and max_snapshot to WELCOME (version 3).
func extra(t Type, v uint64) int {
	switch {
	case v < 2:
		return 0
	case t == TypeHello:
		return 1
	case t == TypeWelcome && v >= 3:
		return 5
	case t == TypeWelcome:
		return 2
	}
	return 0
}

// writer keeps the first error so encoders read as straight-line code.
type writer struct {
	enc *msgpack.Encoder
	v   uint64 // protocol version written in the frame head
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
