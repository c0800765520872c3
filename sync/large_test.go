package sync_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

// countBudget is a sync.Budget that counts what is held.
type countBudget struct{ held, limit int }

func (b *countBudget) Reserve(n int) error {
	if b.held+n > b.limit {
		return hsync.ErrTooManyConnections
	}
	b.held += n
	return nil
}

func (b *countBudget) Release(n int) { b.held -= n }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestSplitAndAssemble(t *testing.T) {
	lim := hsync.DefaultLimits
	for _, n := range []int{1, hsync.PartSize(lim), hsync.PartSize(lim) + 1, 5<<20 + 3} {
		e := hsync.Envelope{Actor: "alice", Seq: 3, Payload: randomBytes(n)}
		b := &countBudget{limit: 64 << 20}
		a := &hsync.Assembler{Lim: lim, Budget: b}
		parts := hsync.Split(e, 9, lim)
		for i, p := range parts {
			frame := enc(t, p)
			if len(frame) > lim.MaxFrame {
				t.Fatalf("part frame of %d bytes", len(frame))
			}
			m, err := hsync.Decode(frame, lim)
			if err != nil {
				t.Fatal(err)
			}
			got, id, done, err := a.Add(m.(*hsync.Part))
			if err != nil || done != (i == len(parts)-1) {
				t.Fatalf("%d bytes, part %d: done %v, err %v", n, i, done, err)
			}
			if done && (id != 9 || got.Actor != "alice" || got.Seq != 3 || !bytes.Equal(got.Payload, e.Payload)) {
				t.Fatalf("%d bytes: assembled %s:%d id %d, %d bytes", n, got.Actor, got.Seq, id, len(got.Payload))
			}
		}
		if b.held != 0 || a.Busy() {
			t.Fatalf("%d bytes: budget holds %d after the change, busy %v", n, b.held, a.Busy())
		}
	}
}

// TestAssemblerRefusesHostileParts: parts out of order, mixed, short,
// oversized, over budget or never finished are refused, and the budget
// always comes back.
func TestAssemblerRefusesHostileParts(t *testing.T) {
	lim := hsync.Limits{MaxFrame: 1 << 20, MaxChange: 4 << 20}.WithDefaults()
	chunk := make([]byte, 100<<10)
	part := func(id uint64, actor crdt.ActorID, total, off int, n int) *hsync.Part {
		return &hsync.Part{ID: id, Actor: actor, Seq: 1, Total: uint64(total), Offset: uint64(off), Chunk: chunk[:n]}
	}
	cases := []struct {
		name  string
		parts []*hsync.Part
		want  error
	}{
		{"starts mid-change", []*hsync.Part{part(1, "a", 300<<10, 100<<10, 100<<10)}, hsync.ErrMalformed},
		{"gap", []*hsync.Part{part(1, "a", 300<<10, 0, 100<<10), part(1, "a", 300<<10, 200<<10, 100<<10)}, hsync.ErrMalformed},
		{"replayed part", []*hsync.Part{part(1, "a", 300<<10, 0, 100<<10), part(1, "a", 300<<10, 0, 100<<10)}, hsync.ErrMalformed},
		{"other change", []*hsync.Part{part(1, "a", 300<<10, 0, 100<<10), part(1, "b", 300<<10, 100<<10, 100<<10)}, hsync.ErrMalformed},
		{"other push", []*hsync.Part{part(1, "a", 300<<10, 0, 100<<10), part(2, "a", 300<<10, 100<<10, 100<<10)}, hsync.ErrMalformed},
		{"other total", []*hsync.Part{part(1, "a", 300<<10, 0, 100<<10), part(1, "a", 400<<10, 100<<10, 100<<10)}, hsync.ErrMalformed},
		{"tiny part", []*hsync.Part{part(1, "a", 300<<10, 0, 10)}, hsync.ErrMalformed},
		{"past total", []*hsync.Part{part(1, "a", 50<<10, 0, 100<<10)}, hsync.ErrMalformed},
		{"empty", []*hsync.Part{part(1, "a", 50<<10, 0, 0)}, hsync.ErrMalformed},
		{"over max change", []*hsync.Part{part(1, "a", 5<<20, 0, 100<<10)}, hsync.ErrTooLarge},
		{"over budget", []*hsync.Part{part(1, "a", 4<<20, 0, 100<<10), part(1, "a", 4<<20, 100<<10, 100<<10), part(1, "a", 4<<20, 200<<10, 100<<10)}, hsync.ErrTooManyConnections},
	}
	for _, c := range cases {
		b := &countBudget{limit: 256 << 10}
		a := &hsync.Assembler{Lim: lim, Budget: b}
		var err error
		for _, p := range c.parts {
			if _, _, _, err = a.Add(p); err != nil {
				break
			}
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if b.held != 0 || a.Busy() {
			t.Errorf("%s: budget holds %d after the error, busy %v", c.name, b.held, a.Busy())
		}
	}
	// Never finished: Reset (the end of a session) gives the memory back.
	b := &countBudget{limit: 8 << 20}
	a := &hsync.Assembler{Lim: lim, Budget: b}
	if _, _, done, err := a.Add(part(1, "a", 4<<20, 0, 100<<10)); err != nil || done || !a.Busy() || b.held == 0 {
		t.Fatalf("first part: done %v err %v busy %v held %d", done, err, a.Busy(), b.held)
	}
	a.Reset()
	if b.held != 0 || a.Busy() {
		t.Fatalf("after Reset: held %d busy %v", b.held, a.Busy())
	}
}

// welcomeV2 is a WELCOME of a version 2 relay holding nothing.
func welcomeV2() *hsync.Welcome {
	return &hsync.Welcome{Version: crdt.VersionVector{}, MaxFrame: 1 << 20, MaxBatch: 1000, MaxChange: 32 << 20}
}

// TestSessionPushesAndReceivesParts: a change over a frame goes out as
// PART frames (one such push in flight), the small change behind it
// follows its ACK, and a change from the relay in parts is applied.
func TestSessionPushesAndReceivesParts(t *testing.T) {
	st := synctest.NewMemStore("me")
	big := st.Write(randomBytes(3 << 20))
	st.Write([]byte("small"))
	s := newSession(t, st)
	hello := must(t)(s.Connect())[0].(*hsync.Hello)
	if hello.Proto != hsync.SnapshotProtocolVersion-1 || hello.MaxChange != uint64(hsync.DefaultLimits.MaxChange) {
		t.Fatalf("HELLO version %d max_change %d", hello.Proto, hello.MaxChange)
	}
	msgs := must(t)(s.Receive(enc(t, welcomeV2())))
	a := &hsync.Assembler{Lim: hsync.DefaultLimits}
	var got hsync.Envelope
	for _, m := range msgs[:len(msgs)-1] {
		got, _, _, _ = a.Add(m.(*hsync.Part))
	}
	if !bytes.Equal(got.Payload, big.Payload) || len(msgs) != 5 {
		t.Fatalf("assembled %d bytes from %d frames", len(got.Payload), len(msgs))
	}
	if p, ok := msgs[4].(*hsync.Push); !ok || p.Changes[0].Seq != 2 {
		t.Fatalf("after the parts: %#v", msgs[4])
	}
	// From the relay: bob:1 in parts, with a CHANGES in between refused.
	theirs := hsync.Envelope{Actor: "bob", Seq: 1, Payload: randomBytes(2<<20 + 5)}
	parts := hsync.Split(theirs, 0, hsync.DefaultLimits)
	for _, p := range parts {
		must(t)(s.Receive(enc(t, p)))
	}
	if st.Version()["bob"] != 1 {
		t.Fatalf("bob:1 not applied: %v", st.Version())
	}
	must(t)(s.Receive(enc(t, parts[0])))
	if _, err := s.Receive(enc(t, &hsync.Changes{Done: true})); !errors.Is(err, hsync.ErrUnexpected) {
		t.Fatalf("CHANGES inside a change in parts: %v", err)
	}
}

// TestOversizedChangeBlocksOnlyItsActor: against a version 1 relay a
// change over 256 KiB cannot go; the status says so, the connection
// stays up, and the changes of other actors still go out.
func TestOversizedChangeBlocksOnlyItsActor(t *testing.T) {
	st := synctest.NewMemStore("me")
	st.Write(make([]byte, 300<<10))
	st.Write([]byte("behind it"))
	if err := st.ApplyRemote([]hsync.Envelope{{Actor: "other", Seq: 1, Payload: []byte("forwarded")}}); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, st)
	must(t)(s.Connect())
	w := &hsync.Welcome{Version: crdt.VersionVector{}, MaxFrame: 1 << 20, MaxBatch: 1000, Proto: 1}
	msgs := must(t)(s.Receive(enc(t, w)))
	p, ok := msgs[0].(*hsync.Push)
	if len(msgs) != 1 || !ok || len(p.Changes) != 1 || p.Changes[0].Actor != "other" {
		t.Fatalf("pushed %#v", msgs)
	}
	must(t)(s.Receive(enc(t, &hsync.Ack{ID: p.ID, Version: crdt.VersionVector{"other": 1}})))
	must(t)(s.Receive(enc(t, &hsync.Changes{Done: true})))
	st2 := s.Status()
	if !errors.Is(st2.LastError, hsync.ErrTooLarge) || st2.Pending != 2 || st2.State != hsync.Syncing {
		t.Fatalf("status %+v", st2)
	}
	if out := must(t)(s.Flush()); len(out) != 0 {
		t.Fatalf("flush pushed %#v", out)
	}
}

// TestVersionFallback: a relay that refuses version 2 gets a version 1
// HELLO on the next connection.
func TestVersionFallback(t *testing.T) {
	s := newSession(t, synctest.NewMemStore("me"))
	must(t)(s.Connect())
	refusal, _ := hsync.EncodeVersion(&hsync.ErrorMessage{Code: hsync.CodeVersion, Message: "got version 2"}, 1)
	_, err := s.Receive(refusal)
	if !errors.Is(err, hsync.ErrVersion) {
		t.Fatalf("err %v", err)
	}
	s.Disconnect(err)
	hello := must(t)(s.Connect())[0].(*hsync.Hello)
	if hello.Proto != 1 {
		t.Fatalf("HELLO after the refusal has version %d", hello.Proto)
	}
}

// FuzzAssembler feeds an assembler parts built from fuzz bytes: it must
// never panic, only ever return a change of its announced size, and give
// its whole budget back.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0, 4, 4, 4, 3, 2})
	f.Add([]byte{1, 0, 3, 0, 3, 0, 3, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := hsync.Limits{MaxFrame: 64, MaxChange: 1000}.WithDefaults()
		b := &countBudget{limit: 600}
		a := &hsync.Assembler{Lim: lim, Budget: b}
		for len(data) >= 4 {
			p := &hsync.Part{ID: uint64(data[0] % 2), Actor: crdt.ActorID("a" + string('0'+data[0]%3)), Seq: 1,
				Total: uint64(data[1]) * 8, Offset: uint64(data[2]), Chunk: make([]byte, data[3]%80)}
			data = data[4:]
			env, _, done, err := a.Add(p)
			if done && (err != nil || uint64(len(env.Payload)) != p.Total) {
				t.Fatalf("done with %d bytes of %d, err %v", len(env.Payload), p.Total, err)
			}
			if !a.Busy() && b.held != 0 {
				t.Fatalf("idle assembler holds %d bytes", b.held)
			}
		}
		a.Reset()
		if b.held != 0 {
			t.Fatalf("budget holds %d after Reset", b.held)
		}
	})
}
