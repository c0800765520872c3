package relay_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// TestResumeWithoutResend: after a restart (a new session over the same
// store) nothing acknowledged is pushed again, and what was written offline
// meanwhile is pending, then pushed exactly once.
func TestResumeWithoutResend(t *testing.T) {
	tr := startRelay(t, nil)
	rnd := rand.New(rand.NewPCG(1, 2))
	a := newClient(t, "s", "alice")
	for range 25 {
		a.store.Write(payload(rnd, 100))
	}
	f := &flaky{dial: relay.Dialer(tr.wsURL)}
	a.run(f.Dial)
	waitFor(t, "first sync", 5*time.Second, func() bool { return a.sess.Status().State == hsync.Synced })
	a.halt()
	for range 5 {
		a.store.Write(payload(rnd, 100))
	}
	s2, err := hsync.NewSession(hsync.Config{Space: "s", Token: token(t, "s")}, a.store)
	if err != nil {
		t.Fatal(err)
	}
	if st := s2.Status(); st.State != hsync.Offline || st.Pending != 5 {
		t.Fatalf("restarted session status %+v, want offline with 5 pending", st)
	}
	a.sess = s2
	a.run(f.Dial)
	waitFor(t, "second sync", 5*time.Second, func() bool { return s2.Status().State == hsync.Synced })
	a.halt()
	if n := f.pushed.Load(); n != 30 {
		t.Fatalf("pushed %d changes, want 30 (each once)", n)
	}
}

// TestNoEcho: a client never receives its own changes back, while the
// other client of the space receives them live.
func TestNoEcho(t *testing.T) {
	tr := startRelay(t, nil)
	a, b := newClient(t, "s", "alice"), newClient(t, "s", "bob")
	fa, fb := &flaky{dial: relay.Dialer(tr.wsURL)}, &flaky{dial: relay.Dialer(tr.wsURL)}
	a.run(fa.Dial)
	b.run(fb.Dial)
	waitFor(t, "both synced", 5*time.Second, func() bool {
		return a.sess.Status().State == hsync.Synced && b.sess.Status().State == hsync.Synced
	})
	for i := range 20 {
		a.store.Write([]byte{byte(i)})
		a.sess.Notify()
	}
	waitFor(t, "b has alice's changes", 5*time.Second, func() bool { return b.store.Version().Get("alice") == 20 })
	a.halt()
	b.halt()
	for _, m := range fa.received {
		var envs []hsync.Envelope
		switch m := m.(type) {
		case *hsync.Changes:
			envs = m.Changes
		case *hsync.Live:
			envs = m.Changes
		}
		if len(envs) > 0 {
			t.Fatalf("alice received %d changes back", len(envs))
		}
	}
	live := 0
	for _, m := range fb.received {
		if l, ok := m.(*hsync.Live); ok {
			live += len(l.Changes)
		}
	}
	if live != 20 {
		t.Fatalf("bob got %d live changes, want 20", live)
	}
}

// pollClient syncs a session through the HTTP binding.
func poll(t *testing.T, tr *testRelay, c *client, wait string) bool {
	t.Helper()
	body, err := c.sess.PollRequest()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(tr.srv.URL+"/v1/sync"+wait, relay.ContentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	again, err := c.sess.PollResponse(out)
	if err != nil {
		t.Fatalf("poll response (HTTP %d): %v", resp.StatusCode, err)
	}
	return again
}

// TestHTTPBinding: two clients converge through POST /v1/sync alone, in
// batches, and a long-poll returns as soon as the other side pushes.
func TestHTTPBinding(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Limits.MaxBatch = 10 })
	rnd := rand.New(rand.NewPCG(3, 4))
	a, b := newClient(t, "s", "alice"), newClient(t, "s", "bob")
	for range 95 {
		a.store.Write(payload(rnd, 100))
		b.store.Write(payload(rnd, 100))
	}
	for _, c := range []*client{a, b, a} {
		for poll(t, tr, c, "") {
		}
	}
	if !a.store.Same(b.store) || a.sess.Status().State != hsync.Synced {
		t.Fatalf("not converged: %v vs %v, %+v", a.store.Version(), b.store.Version(), a.sess.Status())
	}
	done := make(chan time.Duration)
	go func() {
		start := time.Now()
		poll(t, tr, b, "?wait=10")
		done <- time.Since(start)
	}()
	time.Sleep(50 * time.Millisecond)
	a.store.Write([]byte("late"))
	poll(t, tr, a, "")
	if d := <-done; d > 5*time.Second || b.store.Version().Get("alice") != 96 {
		t.Fatalf("long-poll returned after %v with alice:%d", d, b.store.Version().Get("alice"))
	}
}

// TestHTTPErrors: whole-request failures carry an HTTP status and one
// ERROR frame.
func TestHTTPErrors(t *testing.T) {
	tr := startRelay(t, nil)
	cases := []struct {
		body   []byte
		status int
		code   hsync.Code
	}{
		{[]byte{0xc1}, http.StatusBadRequest, hsync.CodeMalformed},
		{frames(&hsync.Hello{Space: "s", Token: "bad"}), http.StatusUnauthorized, hsync.CodeUnauthorized},
		{frames(&hsync.Push{ID: 1}), http.StatusBadRequest, hsync.CodeUnexpected},
	}
	for _, c := range cases {
		resp, err := http.Post(tr.srv.URL+"/v1/sync", relay.ContentType, bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m, err := hsync.Decode(out, hsync.DefaultLimits)
		e, ok := m.(*hsync.ErrorMessage)
		if err != nil || !ok || resp.StatusCode != c.status || e.Code != c.code {
			t.Errorf("got HTTP %d %#v (%v), want %d %s", resp.StatusCode, m, err, c.status, c.code)
		}
	}
}

// httpPoller is a native sync.Poller.
type httpPoller struct{ url string }

func (p httpPoller) Poll(ctx context.Context, body []byte, wait time.Duration) ([]byte, error) {
	url := p.url
	if wait > 0 {
		url += fmt.Sprintf("?wait=%g", wait.Seconds())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", relay.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// TestRunPoll: sessions driven by RunPoll over HTTP alone converge, and a
// change reaches a long-polling client promptly.
func TestRunPoll(t *testing.T) {
	tr := startRelay(t, nil)
	a, b := newClient(t, "s", "alice"), newClient(t, "s", "bob")
	for i := range 30 {
		a.store.Write([]byte{byte(i)})
	}
	for _, c := range []*client{a, b} {
		ctx, cancel := context.WithCancel(context.Background())
		c.stop, c.done = cancel, make(chan struct{})
		go func(c *client) {
			defer close(c.done)
			_ = c.sess.RunPoll(ctx, httpPoller{url: tr.srv.URL + "/v1/sync"}, 10*time.Second)
		}(c)
	}
	waitFor(t, "catch-up over HTTP", 5*time.Second, func() bool { return b.store.Version().Get("alice") == 30 })
	waitFor(t, "both synced", 5*time.Second, func() bool { return allSynced([]*client{a, b}) })
	b.store.Write([]byte("live"))
	b.sess.Notify()
	waitFor(t, "live change over long-poll", 3*time.Second, func() bool { return a.store.Version().Get("bob") == 1 })
	a.halt()
	b.halt()
}

func TestCORSPreflight(t *testing.T) {
	tr := startRelay(t, nil)
	req, _ := http.NewRequest(http.MethodOptions, tr.srv.URL+"/v1/sync", nil)
	req.Header.Set("Origin", "http://example.test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestHTTPPushGap: a failing PUSH inside a request is answered in the 200
// body by an ERROR naming it, after the ACKs of the pushes before it.
func TestHTTPPushGap(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	postAckThenError(t, tr, frames(&hsync.Hello{Space: "s"},
		&hsync.Push{ID: 1, Changes: []hsync.Envelope{env("a", 1)}},
		&hsync.Push{ID: 2, Changes: []hsync.Envelope{env("a", 3)}}), hsync.CodeSeqGap)
}

// postAckThenError posts body, a HELLO and two PUSHes, and checks the
// answer: 200, the WELCOME, the first PUSH's ACK, then an ERROR with code
// for the second.
func postAckThenError(t *testing.T, tr *testRelay, body []byte, code hsync.Code) {
	t.Helper()
	resp, err := http.Post(tr.srv.URL+"/v1/sync", relay.ContentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	msgs, err := hsync.DecodeStream(out, hsync.DefaultLimits, 10)
	if err != nil || resp.StatusCode != http.StatusOK || len(msgs) != 3 {
		t.Fatalf("HTTP %d, %d frames, %v", resp.StatusCode, len(msgs), err)
	}
	ack, ok1 := msgs[1].(*hsync.Ack)
	e, ok2 := msgs[2].(*hsync.ErrorMessage)
	if !ok1 || !ok2 || ack.ID != 1 || e.ID != 2 || e.Code != code {
		t.Fatalf("got %#v, %#v", msgs[1], msgs[2])
	}
}
