package sync

import "github.com/hearthdb/hearth/crdt"

// Protocol versions. Every frame starts with its version (docs/PROTOCOL.md
// §9). A session speaks one version: the client's HELLO chooses it and the
// relay answers in it. Version 2 adds PART frames, max_change to HELLO and
// WELCOME, and WELCOME's epoch; version 3 adds SNAPSHOT frames and
// WELCOME's snapshot fields (snapshot.go); every other message is the same
// in all.
const (
	// ProtocolVersion is the newest version, the one a client whose store
	// takes snapshots tries first, and the one Encode writes.
	ProtocolVersion = 3
	// SnapshotProtocolVersion is the first version with snapshots; a
	// client whose store cannot take them speaks the one before.
	SnapshotProtocolVersion = 3
	// MinProtocolVersion is the oldest version this package still speaks
	// (relays answer its clients; clients fall back to it).
	MinProtocolVersion = 1
)

// V1MaxPayload is the largest payload a version 1 peer accepts in an
// envelope: a relay never sends a version 1 client a larger change, and a
// client never pushes one to a version 1 relay.
const V1MaxPayload = 256 << 10

// Fixed field limits, the same for every relay (docs/PROTOCOL.md).
const (
	MaxIDLen      = 128  // bytes in an actor id or a space name
	MaxTokenLen   = 2048 // bytes in a token
	MaxErrorText  = 1024 // bytes in an error message text
	MaxPushFrames = 64   // PUSH frames in one HTTP request
)

// Limits bound what a decoder accepts and what a sender produces.
type Limits struct {
	MaxFrame   int // bytes in one frame
	MaxBatch   int // changes in one PUSH, CHANGES or LIVE frame
	MaxPayload int // bytes in one change payload inside a batch
	MaxActors  int // entries in one version vector
	// MaxChange is the largest change payload (version 2: PART frames
	// carry those that do not fit a frame).
	MaxChange int
	// MaxSnapshot is the largest snapshot (version 3: SNAPSHOT frames).
	MaxSnapshot int
}

// DefaultLimits are the limits of the reference relay and of sessions that
// have not yet heard a relay's WELCOME.
var DefaultLimits = Limits{MaxFrame: 1 << 20, MaxBatch: 1000, MaxPayload: 1 << 20, MaxActors: 4096, MaxChange: 32 << 20,
	MaxSnapshot: 64 << 20}

// WithDefaults returns l with every zero field set from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	if l.MaxFrame <= 0 {
		l.MaxFrame = d.MaxFrame
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = d.MaxBatch
	}
	if l.MaxPayload <= 0 {
		l.MaxPayload = d.MaxPayload
	}
	if l.MaxActors <= 0 {
		l.MaxActors = d.MaxActors
	}
	if l.MaxChange <= 0 {
		l.MaxChange = d.MaxChange
	}
	if l.MaxSnapshot <= 0 {
		l.MaxSnapshot = d.MaxSnapshot
	}
	return l
}

// Type identifies a message on the wire.
type Type uint64

// Message types. Never renumber: they cross the wire.
const (
	TypeHello   Type = 1 // client -> relay: open a session on a space
	TypeWelcome Type = 2 // relay -> client: accepted, relay's version vector
	TypePush    Type = 3 // client -> relay: changes to store
	TypeAck     Type = 4 // relay -> client: a PUSH is durable
	TypeChanges Type = 5 // relay -> client: catch-up batch
	TypeLive    Type = 6 // relay -> client: live changes from other clients
	TypeError   Type = 7 // either way: a protocol error
	TypePart    Type = 8 // either way (version 2): a piece of a large change
	// TypeSnapshot goes either way (version 3): a piece of a snapshot.
	TypeSnapshot Type = 9
)

// Envelope carries one change: its actor, its seq (from 1, no gaps per
// actor) and the opaque msgpack-encoded CRDT change.
type Envelope struct {
	Actor   crdt.ActorID
	Seq     uint64
	Payload []byte
}

// Message is one protocol message; the concrete types are the pointer types
// of this file.
type Message interface {
	// Type returns the wire type of the message.
	Type() Type
}

// Hello opens a session: the space to sync, a token for it, and the
// client's version vector. Proto is the protocol version of the frame
// (0 means ProtocolVersion); the session speaks it. MaxChange, version 2
// only, is the largest change the client accepts.
type Hello struct {
	Space     string
	Token     string
	Version   crdt.VersionVector
	Proto     uint64
	MaxChange uint64
}

// Welcome accepts a Hello: the relay's version vector for the space and
// the limits it enforces. Proto and MaxChange are as in Hello.
type Welcome struct {
	Version   crdt.VersionVector
	MaxFrame  uint64
	MaxBatch  uint64
	Proto     uint64
	MaxChange uint64
	// Epoch names the relay's storage of the space: made once with it and
	// never changed, so a new one means a relay that starts again from
	// nothing (wiped or replaced). Version 2 and later; "" in version 1,
	// or from a relay that keeps no epoch.
	Epoch string
	// Snapshot is the version vector of the newest snapshot the relay
	// holds for the space (empty: none). Version 3 only.
	Snapshot crdt.VersionVector
	// SnapshotAfter asks clients to upload a snapshot once the relay
	// holds that many changes beyond Snapshot (0: never). Version 3 only.
	SnapshotAfter uint64
	// MaxSnapshot is the largest snapshot the relay stores. Version 3
	// only.
	MaxSnapshot uint64
}

// Push asks the relay to store changes; ID is echoed by the Ack or Error.
type Push struct {
	ID      uint64
	Changes []Envelope
}

// Ack says the Push with ID is durable; Version holds the relay's highest
// stored seq for every actor of that push.
type Ack struct {
	ID      uint64
	Version crdt.VersionVector
}

// Changes is one catch-up batch; Done marks the last one.
type Changes struct {
	Changes []Envelope
	Done    bool
}

// Live carries changes that other clients pushed after catch-up began.
type Live struct {
	Changes []Envelope
}

// ErrorMessage reports a protocol error; ID names the Push it answers, or 0.
type ErrorMessage struct {
	Code    Code
	Message string
	ID      uint64
}

// Type implements Message.
func (*Hello) Type() Type { return TypeHello }

// Type implements Message.
func (*Welcome) Type() Type { return TypeWelcome }

// Type implements Message.
func (*Push) Type() Type { return TypePush }

// Type implements Message.
func (*Ack) Type() Type { return TypeAck }

// Type implements Message.
func (*Changes) Type() Type { return TypeChanges }

// Type implements Message.
func (*Live) Type() Type { return TypeLive }

// Type implements Message.
func (*ErrorMessage) Type() Type { return TypeError }

// Err returns the error the message stands for; it wraps the code's sentinel.
func (m *ErrorMessage) Err() error { return &RemoteError{Code: m.Code, Message: m.Message} }

// NewError builds the ErrorMessage for err, answering push id (or 0).
func NewError(err error, id uint64) *ErrorMessage {
	msg := err.Error()
	if len(msg) > MaxErrorText {
		msg = msg[:MaxErrorText]
	}
	return &ErrorMessage{Code: CodeOf(err), Message: msg, ID: id}
}

// VersionOf returns the version vector that covers exactly the highest seq
// per actor of envs.
func VersionOf(envs []Envelope) crdt.VersionVector {
	vv := crdt.VersionVector{}
	for _, e := range envs {
		if e.Seq > vv[e.Actor] {
			vv[e.Actor] = e.Seq
		}
	}
	return vv
}
