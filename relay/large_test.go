package relay_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// runPoll starts c's session over the HTTP binding.
func (c *client) runPoll(url string) {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		_ = c.sess.RunPoll(ctx, httpPoller{url: url}, 5*time.Second)
	}()
}

// TestLargeChangesSync: changes far over a frame travel in PART frames
// both ways, over WebSocket and HTTP, with the small changes behind them.
func TestLargeChangesSync(t *testing.T) {
	tr := startRelay(t, nil)
	r := rand.New(rand.NewPCG(7, 7))
	ws, web := newClient(t, "s", "ws"), newClient(t, "s", "web")
	wsBig := ws.store.Write(payload(r, 20<<20))
	ws.store.Write([]byte("after ws"))
	webBig := web.store.Write(payload(r, 5<<20+17))
	web.store.Write([]byte("after web"))
	readWS, readWeb := newClient(t, "s", "reader-ws"), newClient(t, "s", "reader-web")
	ws.run(relay.Dialer(tr.wsURL))
	readWS.run(relay.Dialer(tr.wsURL))
	web.runPoll(tr.srv.URL + "/v1/sync")
	readWeb.runPoll(tr.srv.URL + "/v1/sync")
	all := []*client{ws, web, readWS, readWeb}
	waitFor(t, "everyone has everything", 30*time.Second, func() bool {
		for _, c := range all {
			if v := c.store.Version(); v["ws"] != 2 || v["web"] != 2 {
				return false
			}
		}
		return allSynced(all)
	})
	for _, c := range all {
		c.halt()
		got, _ := c.store.ChangesSince(crdt.VersionVector{}, 100)
		for _, e := range got {
			if (e.Actor == "ws" && e.Seq == 1 && !bytes.Equal(e.Payload, wsBig.Payload)) ||
				(e.Actor == "web" && e.Seq == 1 && !bytes.Equal(e.Payload, webBig.Payload)) {
				t.Fatalf("%v holds %s:1 with other bytes", c.store.Version(), e.Actor)
			}
		}
	}
	if err := tr.store.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestVersion1ClientGetsWhatItCanTake: a version 1 client (an old
// hearthdb) is answered in version 1 and gets every change but a large
// one and its actor's later changes.
func TestVersion1ClientGetsWhatItCanTake(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	big := newClient(t, "s", "big")
	big.store.Write(make([]byte, 400<<10))
	big.store.Write([]byte("behind"))
	small := newClient(t, "s", "small")
	small.store.Write([]byte("hi"))
	for _, c := range []*client{big, small} {
		c.run(relay.Dialer(tr.wsURL))
	}
	waitFor(t, "pushed", 10*time.Second, func() bool { return allSynced([]*client{big, small}) })
	big.halt()
	small.halt()

	old := dialRaw(t, tr)
	old.send(&hsync.Hello{Space: "s", Version: crdt.VersionVector{}, Proto: 1})
	if w, ok := old.recv().(*hsync.Welcome); !ok || w.Proto != 1 {
		t.Fatalf("WELCOME %#v", w)
	}
	ch, ok := old.recv().(*hsync.Changes)
	if !ok || !ch.Done || len(ch.Changes) != 1 || ch.Changes[0].Actor != "small" {
		t.Fatalf("version 1 client got %#v", ch)
	}
	// The HTTP binding answers the same.
	body := frames(&hsync.Hello{Space: "s", Version: crdt.VersionVector{}, Proto: 1})
	resp := postSync(t, tr, body)
	msgs, err := hsync.DecodeStream(resp, hsync.Limits{MaxChange: 1}.WithDefaults(), 10)
	if err != nil || len(msgs) != 2 || msgs[0].(*hsync.Welcome).Proto != 1 {
		t.Fatalf("HTTP answer %#v, %v", msgs, err)
	}
	if ch := msgs[1].(*hsync.Changes); len(ch.Changes) != 1 || ch.Changes[0].Actor != "small" || !ch.Done {
		t.Fatalf("HTTP version 1 client got %#v", ch)
	}
}

// TestHostileParts: parts out of order, mixed with a PUSH, or beyond the
// assembly budget end the session with an error, and the memory of a
// session's partial change comes back when it ends.
func TestHostileParts(t *testing.T) {
	const budget = 3 << 20
	tr := startRelay(t, func(c *relay.Config) { c.Open = true; c.MaxAssembly = budget })
	big := make([]byte, 2<<20)
	parts := hsync.Split(hsync.Envelope{Actor: "a", Seq: 1, Payload: big}, 1, hsync.DefaultLimits)
	cases := []struct {
		name string
		msgs []hsync.Message
		code hsync.Code
	}{
		{"out of order", []hsync.Message{parts[1]}, hsync.CodeMalformed},
		{"push inside", []hsync.Message{parts[0], &hsync.Push{ID: 2}}, hsync.CodeUnexpected},
		{"other change inside", []hsync.Message{parts[0], hsync.Split(hsync.Envelope{Actor: "b", Seq: 1, Payload: big}, 1, hsync.DefaultLimits)[1]}, hsync.CodeMalformed},
	}
	for _, c := range cases {
		conn := dialRaw(t, tr)
		conn.hello("s", "", nil)
		for _, m := range c.msgs {
			conn.send(m)
		}
		conn.expectError(c.code)
	}
	// Two sessions hold 1 MiB each of partial changes: a third cannot
	// assemble 2 MiB; once they are gone it can.
	var stalled []*raw
	for range 2 {
		conn := dialRaw(t, tr)
		conn.hello("s", "", nil)
		conn.send(parts[0])
		stalled = append(stalled, conn)
	}
	waitFor(t, "partial changes held", 5*time.Second, func() bool { return tr.AssemblyInUse() >= 2*(1<<20-256) })
	third := dialRaw(t, tr)
	third.hello("s", "", nil)
	for _, p := range parts {
		third.send(p)
	}
	third.expectError(hsync.CodeTooManyConnections)
	for _, c := range stalled {
		c.c.CloseNow()
	}
	waitFor(t, "budget back", 5*time.Second, func() bool { return tr.AssemblyInUse() == 0 })
	fourth := dialRaw(t, tr)
	fourth.hello("s", "", nil)
	for _, p := range parts {
		fourth.send(p)
	}
	for {
		if ack, ok := fourth.recv().(*hsync.Ack); ok {
			if ack.ID != 1 || ack.Version["a"] != 1 {
				t.Fatalf("ACK %#v", ack)
			}
			break
		}
	}
}

// postSync posts body to the relay's HTTP binding and returns the answer.
func postSync(t *testing.T, tr *testRelay, body []byte) []byte {
	t.Helper()
	resp, err := http.Post(tr.srv.URL+"/v1/sync", relay.ContentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
