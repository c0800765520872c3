package sync_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

func enc(t testing.TB, m hsync.Message) []byte {
	t.Helper()
	b, err := hsync.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAll(t testing.TB, frames [][]byte) []hsync.Message {
	t.Helper()
	out := make([]hsync.Message, 0, len(frames))
	for _, f := range frames {
		m, err := hsync.Decode(f, hsync.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func newSession(t testing.TB, st hsync.LocalStore) *hsync.Session {
	t.Helper()
	s, err := hsync.NewSession(hsync.Config{Space: "s", Window: 2,
		Token: func() (string, error) { return "tok", nil }}, st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// must checks a (frames, error) result and decodes the frames.
func must(t testing.TB) func([][]byte, error) []hsync.Message {
	return func(frames [][]byte, err error) []hsync.Message {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return decodeAll(t, frames)
	}
}

// TestHandshakeWindowAndAcks walks the state machine by hand: HELLO,
// WELCOME with a small batch limit, a window of two pushes, acks, catch-up.
func TestHandshakeWindowAndAcks(t *testing.T) {
	st := synctest.NewMemStore("me")
	for range 7 {
		st.Write([]byte("x"))
	}
	_ = st.SetAcked(crdt.VersionVector{"me": 1}) // me:1 was acknowledged earlier
	s := newSession(t, st)
	var states []string
	s.Subscribe(func(st hsync.Status) { states = append(states, fmt.Sprintf("%s/%d", st.State, st.Pending)) })
	hello := must(t)(s.Connect())[0].(*hsync.Hello)
	if hello.Space != "s" || hello.Token != "tok" || hello.Version.Get("me") != 7 {
		t.Fatalf("hello %+v", hello)
	}
	out := must(t)(s.Receive(enc(t, &hsync.Welcome{Version: crdt.VersionVector{"me": 1}, MaxBatch: 2})))
	if len(out) != 2 || len(out[0].(*hsync.Push).Changes) != 2 || out[0].(*hsync.Push).Changes[0].Seq != 2 {
		t.Fatalf("pushes after welcome: %#v", out)
	}
	p1, p2 := out[0].(*hsync.Push), out[1].(*hsync.Push)
	out = must(t)(s.Receive(enc(t, &hsync.Ack{ID: p1.ID, Version: crdt.VersionVector{"me": 3}})))
	if len(out) != 1 || out[0].(*hsync.Push).Changes[0].Seq != 6 {
		t.Fatalf("push after first ack: %#v", out)
	}
	p3 := out[0].(*hsync.Push)
	must(t)(s.Receive(enc(t, &hsync.Ack{ID: p2.ID, Version: crdt.VersionVector{"me": 5}})))
	must(t)(s.Receive(enc(t, &hsync.Changes{Changes: []hsync.Envelope{{Actor: "you", Seq: 1}}, Done: true})))
	if s.Status().State != hsync.Syncing {
		t.Fatalf("synced with push %d in flight", p3.ID)
	}
	must(t)(s.Receive(enc(t, &hsync.Ack{ID: p3.ID, Version: crdt.VersionVector{"me": 7}})))
	if st.Version().Get("you") != 1 || s.Status().State != hsync.Synced {
		t.Fatalf("status %+v, version %v", s.Status(), st.Version())
	}
	want := "[offline/6 connecting/6 syncing/6 syncing/4 syncing/2 synced/0]"
	if got := fmt.Sprint(states); got != want {
		t.Fatalf("status sequence %s, want %s", got, want)
	}
}

// TestDisconnectResendsOnlyUnacked: a push without ACK goes out again after
// reconnecting; an acknowledged one never does.
func TestDisconnectResendsOnlyUnacked(t *testing.T) {
	st := synctest.NewMemStore("me")
	for range 4 {
		st.Write([]byte("x"))
	}
	s := newSession(t, st)
	must(t)(s.Connect())
	out := must(t)(s.Receive(enc(t, &hsync.Welcome{MaxBatch: 2})))
	must(t)(s.Receive(enc(t, &hsync.Ack{ID: out[0].(*hsync.Push).ID, Version: crdt.VersionVector{"me": 2}})))
	s.Disconnect(errors.New("network"))
	if st := s.Status(); st.State != hsync.Offline || st.Pending != 2 || st.LastError == nil {
		t.Fatalf("status after disconnect %+v", st)
	}
	must(t)(s.Connect())
	out = must(t)(s.Receive(enc(t, &hsync.Welcome{Version: crdt.VersionVector{"me": 2}, MaxBatch: 2})))
	if len(out) != 1 || out[0].(*hsync.Push).Changes[0].Seq != 3 {
		t.Fatalf("after reconnect pushed %#v, want me:3..4 only", out)
	}
}

// TestWelcomeDoesNotAcknowledge: changes the relay announces but never
// acknowledged to this replica are pushed again, so that the relay checks
// their bytes (seq_conflict if it holds other ones), and stay pending
// until their ACK.
func TestWelcomeDoesNotAcknowledge(t *testing.T) {
	st := synctest.NewMemStore("me")
	for range 4 {
		st.Write([]byte("x"))
	}
	_ = st.SetAcked(crdt.VersionVector{"me": 2})
	s := newSession(t, st)
	must(t)(s.Connect())
	out := must(t)(s.Receive(enc(t, &hsync.Welcome{Version: crdt.VersionVector{"me": 4, "you": 3}})))
	if len(out) != 1 || out[0].(*hsync.Push).Changes[0].Seq != 3 || len(out[0].(*hsync.Push).Changes) != 2 {
		t.Fatalf("after welcome pushed %#v, want me:3..4 again", out)
	}
	if got := s.Status().Pending; got != 2 {
		t.Fatalf("pending %d before the ACK, want 2", got)
	}
	if _, err := s.Receive(enc(t, &hsync.ErrorMessage{Code: hsync.CodeSeqConflict, ID: out[0].(*hsync.Push).ID})); !errors.Is(err, hsync.ErrSeqConflict) || !hsync.Stopped(err) {
		t.Fatalf("seq_conflict gave %v", err)
	}
	if acked, _ := st.Acked(); acked.Get("me") != 2 || acked.Get("you") != 3 {
		t.Fatalf("persisted acked %v, want me:2 you:3", acked)
	}
}

func TestReceiveErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup bool // send WELCOME first
		frame hsync.Message
		want  error
	}{
		{"ack before welcome", false, &hsync.Ack{ID: 1}, hsync.ErrUnexpected},
		{"error before welcome", false, &hsync.ErrorMessage{Code: hsync.CodeUnauthorized}, hsync.ErrUnauthorized},
		{"unknown ack", true, &hsync.Ack{ID: 42}, hsync.ErrUnexpected},
		{"gap from relay", true, &hsync.Live{Changes: []hsync.Envelope{{Actor: "x", Seq: 2}}}, hsync.ErrSeqGap},
		{"relay error", true, &hsync.ErrorMessage{Code: hsync.CodeShuttingDown}, hsync.ErrShuttingDown},
		{"second welcome", true, &hsync.Welcome{}, hsync.ErrUnexpected},
		{"hello from relay", true, &hsync.Hello{Space: "s"}, hsync.ErrUnexpected},
	}
	for _, c := range cases {
		s := newSession(t, synctest.NewMemStore("me"))
		must(t)(s.Connect())
		if c.setup {
			must(t)(s.Receive(enc(t, &hsync.Welcome{})))
		}
		if _, err := s.Receive(enc(t, c.frame)); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	s := newSession(t, synctest.NewMemStore("me"))
	must(t)(s.Connect())
	if _, err := s.Receive([]byte{0xc1}); !errors.Is(err, hsync.ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
}

// Example shows one connection driven by hand, as a browser transport does:
// every frame the session returns goes to the relay, every frame from the
// relay goes to Receive.
func Example() {
	store := synctest.NewMemStore("alice")
	store.Write([]byte("first change"))
	s, _ := hsync.NewSession(hsync.Config{Space: "notes"}, store)

	out, _ := s.Connect() // send out[0], the HELLO
	fmt.Println(len(out), s.Status().State)

	welcome, _ := hsync.Encode(&hsync.Welcome{Version: crdt.VersionVector{}})
	out, _ = s.Receive(welcome) // the relay answered; out holds one PUSH
	push, _ := hsync.Decode(out[0], hsync.DefaultLimits)
	fmt.Println(s.Status().State, s.Status().Pending)

	ack, _ := hsync.Encode(&hsync.Ack{ID: push.(*hsync.Push).ID, Version: crdt.VersionVector{"alice": 1}})
	done, _ := hsync.Encode(&hsync.Changes{Done: true})
	_, _ = s.Receive(ack)
	_, _ = s.Receive(done)
	fmt.Println(s.Status().State, s.Status().Pending)
	// Output:
	// 1 connecting
	// syncing 1
	// synced 0
}
