package relay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

// expiringSoon starts a relay whose clock runs just short of the expiry of
// the token it returns: the token is valid for another left.
func expiringSoon(t *testing.T, left time.Duration) (*testRelay, string) {
	t.Helper()
	exp := time.Now().Add(time.Hour).Truncate(time.Second) // tokens carry whole seconds
	skew := time.Until(exp) - left
	tr := startRelay(t, func(c *relay.Config) { c.Now = func() time.Time { return time.Now().Add(skew) } })
	return tr, mint(t, "s", exp)
}

// TestTokenExpiryEndsWebSocket: a live session ends when its token
// expires, with ERROR token_expired and a policy-violation close, without
// any message from the client to trigger it.
func TestTokenExpiryEndsWebSocket(t *testing.T) {
	tr, tok := expiringSoon(t, 300*time.Millisecond)
	r := dialRaw(t, tr)
	start := time.Now()
	r.hello("s", tok, nil)
	e := r.expectError(hsync.CodeTokenExpired)
	if d := time.Since(start); d < 200*time.Millisecond || d > 3*time.Second {
		t.Fatalf("token_expired after %v, want about 300ms", d)
	}
	if e.ID != 0 {
		t.Fatalf("token_expired answers push %d, want 0", e.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := r.c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("after token_expired: %v, want close 1008", err)
	}
}

// TestTokenExpirySurfacesInSession: a synced Session sees token_expired as
// its last error when the relay ends it, and keeps it (every retry with
// the same token is refused the same way).
func TestTokenExpirySurfacesInSession(t *testing.T) {
	tr, tok := expiringSoon(t, 500*time.Millisecond)
	st := synctest.NewMemStore("alice")
	s, err := hsync.NewSession(hsync.Config{Space: "s", Token: func() (string, error) { return tok, nil },
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }}, st)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{space: "s", store: st, sess: s}
	c.run(relay.Dialer(tr.wsURL))
	defer c.halt()
	waitFor(t, "synced", 5*time.Second, func() bool { return s.Status().State == hsync.Synced })
	waitFor(t, "token_expired", 5*time.Second, func() bool {
		return errors.Is(s.Status().LastError, hsync.ErrTokenExpired)
	})
}

// TestLongPollEndsAtTokenExpiry: an HTTP long-poll answers when its token
// expires instead of holding changes for an expired token, and the next
// request gets 401 token_expired.
func TestLongPollEndsAtTokenExpiry(t *testing.T) {
	tr, tok := expiringSoon(t, 300*time.Millisecond)
	post := func() (int, hsync.Message, time.Duration) {
		start := time.Now()
		resp, err := http.Post(tr.srv.URL+"/v1/sync?wait=20", relay.ContentType, bytes.NewReader(frames(&hsync.Hello{Space: "s", Token: tok})))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		msgs, err := hsync.DecodeStream(out, hsync.DefaultLimits, 4)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("HTTP %d body %x: %v", resp.StatusCode, out, err)
		}
		return resp.StatusCode, msgs[len(msgs)-1], time.Since(start)
	}
	status, last, d := post()
	if ch, ok := last.(*hsync.Changes); status != http.StatusOK || !ok || !ch.Done || d > 3*time.Second {
		t.Fatalf("long-poll: HTTP %d %#v after %v, want an empty CHANGES at expiry", status, last, d)
	}
	time.Sleep(50 * time.Millisecond) // past expiry, whatever the rounding
	status, last, _ = post()
	if e, ok := last.(*hsync.ErrorMessage); status != http.StatusUnauthorized || !ok || e.Code != hsync.CodeTokenExpired {
		t.Fatalf("after expiry: HTTP %d %#v, want 401 token_expired", status, last)
	}
}
