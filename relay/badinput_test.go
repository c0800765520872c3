package relay_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// raw is a bare protocol client for feeding the relay bad input.
type raw struct {
	t *testing.T
	c *websocket.Conn
}

func dialRaw(t *testing.T, tr *testRelay) *raw {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, tr.wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &raw{t: t, c: c}
}

func (r *raw) sendBytes(b []byte) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.c.Write(ctx, websocket.MessageBinary, b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) send(m hsync.Message) {
	r.t.Helper()
	b, err := hsync.Encode(m)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sendBytes(b)
}

func (r *raw) recv() hsync.Message {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := r.c.Read(ctx)
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	m, err := hsync.Decode(b, hsync.DefaultLimits)
	if err != nil {
		r.t.Fatalf("relay sent a bad frame: %v", err)
	}
	return m
}

// expectError reads until an ERROR frame and checks its code.
func (r *raw) expectError(code hsync.Code) *hsync.ErrorMessage {
	r.t.Helper()
	for {
		m := r.recv()
		if e, ok := m.(*hsync.ErrorMessage); ok {
			if e.Code != code {
				r.t.Fatalf("error %s (%s), want %s", e.Code, e.Message, code)
			}
			return e
		}
	}
}

func (r *raw) hello(space string, tok string, vv crdt.VersionVector) {
	r.t.Helper()
	r.send(&hsync.Hello{Space: space, Token: tok, Version: vv})
	if _, ok := r.recv().(*hsync.Welcome); !ok {
		r.t.Fatal("no WELCOME")
	}
}

func mint(t *testing.T, space string, exp time.Time) string {
	tok, err := relay.MintToken(testSecret, space, exp)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestBadInputGetsProtocolErrors(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Limits.MaxFrame = 4096 })
	good := mint(t, "s", time.Now().Add(time.Hour))
	cases := []struct {
		name string
		code hsync.Code
		do   func(r *raw)
	}{
		{"malformed", hsync.CodeMalformed, func(r *raw) { r.sendBytes([]byte{0xc1, 0x00}) }},
		{"version", hsync.CodeVersion, func(r *raw) { r.sendBytes([]byte{0x92, 0x09, 0x01}) }},
		{"unknown type", hsync.CodeUnknownType, func(r *raw) { r.sendBytes([]byte{0x92, 0x01, 0x63}) }},
		{"oversized", hsync.CodeTooLarge, func(r *raw) { r.sendBytes(make([]byte, 5000)) }},
		{"push before hello", hsync.CodeUnexpected, func(r *raw) { r.send(&hsync.Push{ID: 1}) }},
		{"wrong token", hsync.CodeUnauthorized, func(r *raw) { r.send(&hsync.Hello{Space: "s", Token: "v1.x.y"}) }},
		{"foreign token", hsync.CodeUnauthorized, func(r *raw) {
			r.send(&hsync.Hello{Space: "other", Token: good})
		}},
		{"expired token", hsync.CodeTokenExpired, func(r *raw) {
			r.send(&hsync.Hello{Space: "s", Token: mint(t, "s", time.Now().Add(-time.Minute))})
		}},
		{"seq gap", hsync.CodeSeqGap, func(r *raw) {
			r.hello("s", good, nil)
			r.send(&hsync.Push{ID: 5, Changes: []hsync.Envelope{env("a", 2)}})
		}},
		{"second hello", hsync.CodeUnexpected, func(r *raw) {
			r.hello("s", good, nil)
			r.send(&hsync.Hello{Space: "s", Token: good})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := dialRaw(t, tr)
			c.do(r)
			e := r.expectError(c.code)
			if c.code == hsync.CodeSeqGap && e.ID != 5 {
				t.Errorf("seq_gap answers push %d, want 5", e.ID)
			}
		})
	}
	if err := tr.store.Check(); err != nil {
		t.Fatal(err)
	}
	if v, _ := tr.store.Version("s"); len(v) != 0 {
		t.Fatalf("bad input stored changes: %v", v)
	}
}

// TestReplayIsAckedOnce: a replayed change is acknowledged again and stored
// once.
func TestReplayIsAckedOnce(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	r := dialRaw(t, tr)
	r.hello("s", "", nil)
	push := &hsync.Push{ID: 1, Changes: []hsync.Envelope{env("a", 1), env("a", 2)}}
	for i := range 2 {
		push.ID = uint64(i + 1)
		r.send(push)
		m := r.recv()
		for {
			if _, ok := m.(*hsync.Changes); !ok {
				break
			}
			m = r.recv()
		}
		ack, ok := m.(*hsync.Ack)
		if !ok || ack.ID != push.ID || ack.Version.Get("a") != 2 {
			t.Fatalf("got %#v, want ACK %d a:2", m, push.ID)
		}
	}
	envs, _, err := tr.store.ChangesSince("s", nil, 100, 1<<20)
	if err != nil || len(envs) != 2 {
		t.Fatalf("stored %d changes (%v), want 2", len(envs), err)
	}
}

func TestShutdownTellsClients(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	r := dialRaw(t, tr)
	r.hello("s", "", nil)
	got := make(chan hsync.Message, 8)
	go func() { // a client reads all the time
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, b, err := r.c.Read(ctx)
			cancel()
			if err != nil {
				close(got)
				return
			}
			m, _ := hsync.Decode(b, hsync.DefaultLimits)
			got <- m
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for m := range got {
		if e, ok := m.(*hsync.ErrorMessage); ok && e.Code == hsync.CodeShuttingDown {
			return
		}
	}
	t.Fatal("no shutting_down error before close")
}

func TestConnectionLimit(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open, c.MaxConns = true, 1 })
	first := dialRaw(t, tr)
	first.hello("s", "", nil)
	dialRaw(t, tr).expectError(hsync.CodeTooManyConnections)
}

func TestHealthz(t *testing.T) {
	tr := startRelay(t, nil)
	resp, err := http.Get(tr.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestTokens(t *testing.T) {
	now := time.Now()
	tok, err := relay.MintToken(testSecret, "s", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		secret []byte
		space  string
		at     time.Time
		want   error
	}{
		{testSecret, "s", now, nil},
		{[]byte("other"), "s", now, hsync.ErrUnauthorized},
		{testSecret, "t", now, hsync.ErrUnauthorized},
		{testSecret, "s", now.Add(time.Hour), hsync.ErrTokenExpired},
	}
	for _, c := range checks {
		if err := relay.VerifyToken(c.secret, tok, c.space, c.at); !errors.Is(err, c.want) && (err != nil || c.want != nil) {
			t.Errorf("VerifyToken(%s, %s) = %v, want %v", c.secret, c.space, err, c.want)
		}
	}
}
