package relay_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

func envP(actor string, seq uint64, p string) hsync.Envelope {
	e := env(actor, seq)
	e.Payload = []byte(p)
	return e
}

// expectAck reads past catch-up frames to the ACK of push id.
func (r *raw) expectAck(id uint64) *hsync.Ack {
	r.t.Helper()
	for {
		switch m := r.recv().(type) {
		case *hsync.Changes, *hsync.Live:
		case *hsync.Ack:
			if m.ID != id {
				r.t.Fatalf("ACK %d, want %d", m.ID, id)
			}
			return m
		default:
			r.t.Fatalf("got %#v, want ACK %d", m, id)
		}
	}
}

// stored returns the payloads the relay holds for space, by "actor:seq".
func storedPayloads(t *testing.T, tr *testRelay, space string) map[string]string {
	t.Helper()
	envs, _, err := tr.store.ChangesSince(space, nil, 1000, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range envs {
		out[fmt.Sprintf("%s:%d", e.Actor, e.Seq)] = string(e.Payload)
	}
	return out
}

// TestReplayWithOtherBytesIsRefused: over WebSocket, a PUSH carrying an
// (actor, seq) the relay holds with another payload gets seq_conflict
// answering it, and nothing of that PUSH is stored or acknowledged, not
// even its new changes.
func TestReplayWithOtherBytesIsRefused(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	r := dialRaw(t, tr)
	r.hello("s", "", nil)
	r.send(&hsync.Push{ID: 1, Changes: []hsync.Envelope{envP("a", 1, "one"), envP("a", 2, "two")}})
	r.expectAck(1)
	r.send(&hsync.Push{ID: 2, Changes: []hsync.Envelope{envP("a", 2, "two"), envP("a", 3, "three")}})
	if ack := r.expectAck(2); ack.Version.Get("a") != 3 {
		t.Fatalf("identical replay plus a:3 acknowledged %v", ack.Version)
	}
	r.send(&hsync.Push{ID: 3, Changes: []hsync.Envelope{envP("a", 3, "forged"), envP("a", 4, "four")}})
	if e := r.expectError(hsync.CodeSeqConflict); e.ID != 3 {
		t.Fatalf("seq_conflict answers push %d, want 3", e.ID)
	}
	want := map[string]string{"a:1": "one", "a:2": "two", "a:3": "three"}
	if got := storedPayloads(t, tr, "s"); !maps.Equal(got, want) {
		t.Fatalf("relay holds %v, want %v", got, want)
	}
	if err := tr.store.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPReplayWithOtherBytesIsRefused: the same over the HTTP binding;
// the ERROR follows the ACKs of the pushes before it in a 200 body.
func TestHTTPReplayWithOtherBytesIsRefused(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	postAckThenError(t, tr, frames(&hsync.Hello{Space: "s"},
		&hsync.Push{ID: 1, Changes: []hsync.Envelope{envP("a", 1, "one")}},
		&hsync.Push{ID: 2, Changes: []hsync.Envelope{envP("a", 1, "forged"), envP("a", 2, "two")}}), hsync.CodeSeqConflict)
	if got := storedPayloads(t, tr, "s"); !maps.Equal(got, map[string]string{"a:1": "one"}) {
		t.Fatalf("relay holds %v", got)
	}
}

// forgeFirst stores alice:1 with a payload of someone else's making, as a
// client pushing another actor's next seq would.
func forgeFirst(t *testing.T, tr *testRelay) {
	t.Helper()
	r := dialRaw(t, tr)
	r.hello("s", mint(t, "s", time.Now().Add(time.Hour)), nil)
	r.send(&hsync.Push{ID: 1, Changes: []hsync.Envelope{envP("alice", 1, "forged")}})
	r.expectAck(1)
}

// TestForgedSeqIsSurfaced: alice wrote alice:1 offline while another
// client stored a different alice:1. When alice connects, WELCOME covers
// alice:1, yet her session pushes it (it was never acknowledged to her),
// gets seq_conflict, and stops: Run returns at once instead of retrying,
// the status shows the error and the change stays pending. Over
// WebSocket and over the HTTP binding.
func TestForgedSeqIsSurfaced(t *testing.T) {
	for _, transport := range []string{"websocket", "http"} {
		t.Run(transport, func(t *testing.T) {
			tr := startRelay(t, nil)
			forgeFirst(t, tr)
			a := newClient(t, "s", "alice")
			a.store.Write([]byte("real"))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			if transport == "websocket" {
				err = a.sess.Run(ctx, relay.Dialer(tr.wsURL))
			} else {
				err = a.sess.RunPoll(ctx, httpPoller{url: tr.srv.URL + "/v1/sync"}, 10*time.Second)
			}
			if !errors.Is(err, hsync.ErrSeqConflict) || ctx.Err() != nil {
				t.Fatalf("run ended with %v (ctx %v), want seq_conflict at once", err, ctx.Err())
			}
			st := a.sess.Status()
			if st.State != hsync.Offline || st.Pending != 1 || hsync.CodeOf(st.LastError) != hsync.CodeSeqConflict {
				t.Fatalf("status %+v, want offline, 1 pending, seq_conflict", st)
			}
			if acked, _ := a.store.Acked(); acked.Get("alice") != 0 {
				t.Fatalf("alice:1 persisted as acknowledged: %v", acked)
			}
		})
	}
}
