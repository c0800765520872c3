package sync_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

func addVectorSeeds(f *testing.F) {
	b, err := readVectorFile()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range append(b.Valid, b.Invalid...) {
		raw, _ := hex.DecodeString(v.Hex)
		f.Add(raw)
	}
}

// FuzzDecode feeds outside bytes to the frame decoders: they must never
// panic, must return a coded error for bad input, and whatever they accept
// must re-encode to a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	addVectorSeeds(f)
	small := hsync.Limits{MaxFrame: 4096, MaxBatch: 8, MaxPayload: 64, MaxActors: 8, MaxChange: 1 << 16, MaxSnapshot: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []hsync.Limits{hsync.DefaultLimits, small} {
			m, err := hsync.Decode(data, lim)
			if err != nil {
				if !errors.Is(err, hsync.CodeOf(err).Err()) {
					t.Fatalf("error %v carries no sentinel", err)
				}
			} else {
				roundTrip(t, m, lim)
			}
			if _, err := hsync.DecodeStream(data, lim, 4); err != nil && hsync.CodeOf(err) == hsync.CodeInternal {
				t.Fatalf("stream error %v has no protocol code", err)
			}
		}
	})
}

func roundTrip(t *testing.T, m hsync.Message, lim hsync.Limits) {
	enc, err := hsync.Encode(m)
	if err != nil {
		t.Fatalf("re-encode %#v: %v", m, err)
	}
	m2, err := hsync.Decode(enc, hsync.Limits{MaxFrame: len(enc), MaxBatch: lim.MaxBatch, MaxPayload: lim.MaxPayload, MaxActors: lim.MaxActors, MaxChange: lim.MaxChange, MaxSnapshot: lim.MaxSnapshot})
	if err != nil {
		t.Fatalf("decode of re-encoded %x: %v", enc, err)
	}
	if normalize(m) != normalize(m2) {
		t.Fatalf("round trip changed %#v into %#v", m, m2)
	}
}

// FuzzSessionReceive feeds a session a sequence of outside frames (each
// prefixed by one length byte), reconnecting after every error: it must
// never panic, never hand the store a change out of order, and keep a
// sane status.
func FuzzSessionReceive(f *testing.F) {
	seq := func(msgs ...hsync.Message) []byte {
		var out []byte
		for _, m := range msgs {
			b, _ := hsync.Encode(m)
			out = append(append(out, byte(len(b))), b...)
		}
		return out
	}
	f.Add(seq(&hsync.Welcome{MaxBatch: 1}, &hsync.Ack{ID: 1, Version: crdt.VersionVector{"me": 1}},
		&hsync.Changes{Changes: []hsync.Envelope{{Actor: "x", Seq: 1}}, Done: true},
		&hsync.Live{Changes: []hsync.Envelope{{Actor: "x", Seq: 2}, {Actor: "y", Seq: 1}}}))
	f.Add(seq(&hsync.Welcome{}, &hsync.Live{Changes: []hsync.Envelope{{Actor: "x", Seq: 3}}}, &hsync.Welcome{}))
	f.Add(seq(&hsync.Welcome{}, &hsync.Part{Actor: "x", Seq: 1, Total: 3, Chunk: []byte{1, 2, 3}},
		&hsync.Part{Actor: "x", Seq: 2, Total: 9, Chunk: []byte{1}}, &hsync.Changes{Done: true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		st := &strictStore{MemStore: synctest.NewMemStore("me")}
		receiveAll(t, st, st.MemStore, &st.bad, data)
	})
}

// FuzzSnapshotReceive is FuzzSessionReceive for a session that speaks
// protocol version 3 (its store takes snapshots): SNAPSHOT pieces in any
// order and state must never hand the store a bad snapshot or a change
// out of order.
func FuzzSnapshotReceive(f *testing.F) {
	seq := func(msgs ...hsync.Message) []byte {
		var out []byte
		for _, m := range msgs {
			b, _ := hsync.Encode(m)
			out = append(append(out, byte(len(b))), b...)
		}
		return out
	}
	snap, _ := func() ([]byte, error) {
		o := synctest.NewSnapStore("x")
		o.Write([]byte("x1"))
		_, b, err := o.Snapshot()
		return b, err
	}()
	f.Add(seq(&hsync.Welcome{}, &hsync.Snapshot{Version: crdt.VersionVector{"x": 1}, Total: uint64(len(snap)), Chunk: snap},
		&hsync.Changes{Changes: []hsync.Envelope{{Actor: "x", Seq: 2}}, Done: true}))
	f.Add(seq(&hsync.Welcome{}, &hsync.Snapshot{Version: crdt.VersionVector{"x": 1}, Total: 9, Chunk: []byte{1}},
		&hsync.Changes{Done: true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		st := &strictSnapStore{SnapStore: synctest.NewSnapStore("me")}
		receiveAll(t, st, st.MemStore, &st.bad, data)
	})
}

// strictSnapStore is strictStore over a SnapStore.
type strictSnapStore struct {
	*synctest.SnapStore
	bad error
}

func (s *strictSnapStore) ApplyRemote(envs []hsync.Envelope) error {
	err := s.SnapStore.ApplyRemote(envs)
	if err != nil {
		s.bad = err
	}
	return err
}

// receiveAll runs the frames of data (each prefixed by its length byte)
// through a session over st, reconnecting after every error.
func receiveAll(t *testing.T, st hsync.LocalStore, mem *synctest.MemStore, bad *error, data []byte) {
	mem.Write([]byte("a"))
	mem.Write([]byte("b"))
	s, err := hsync.NewSession(hsync.Config{Space: "s", Window: 2}, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Connect(); err != nil {
		t.Fatal(err)
	}
	for len(data) > 0 {
		n := min(int(data[0]), len(data)-1)
		frame := data[1 : 1+n]
		data = data[1+n:]
		if _, err := s.Receive(frame); err != nil {
			s.Disconnect(err)
			if _, err := s.Connect(); err != nil {
				t.Fatal(err)
			}
		}
		if *bad != nil {
			t.Fatalf("store got bad input: %v", *bad)
		}
		total := 0
		for _, n := range st.Version() {
			total += int(n)
		}
		if p := s.Status().Pending; p < 0 || p > total {
			t.Fatalf("pending %d of %d changes", p, total)
		}
	}
}

// strictStore records any ApplyRemote the in-memory store rejects.
type strictStore struct {
	*synctest.MemStore
	bad error
}

func (s *strictStore) ApplyRemote(envs []hsync.Envelope) error {
	err := s.MemStore.ApplyRemote(envs)
	if err != nil {
		s.bad = err
	}
	return err
}
