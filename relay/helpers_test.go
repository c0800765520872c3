package relay_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

var testSecret = []byte("test-secret")

type testRelay struct {
	*relay.Relay
	srv   *httptest.Server
	store *relay.Store
	wsURL string
}

func startRelay(t testing.TB, mod func(*relay.Config)) *testRelay {
	t.Helper()
	st, err := relay.OpenStore(filepath.Join(t.TempDir(), "relay.db"), relay.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := relay.Config{Store: st, Secret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	r, err := relay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
		srv.Close()
		st.Close()
	})
	return &testRelay{Relay: r, srv: srv, store: st, wsURL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/ws"}
}

func token(t testing.TB, space string) func() (string, error) {
	tok, err := relay.MintToken(testSecret, space, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return func() (string, error) { return tok, nil }
}

type client struct {
	space string
	store *synctest.MemStore
	sess  *hsync.Session
	stop  context.CancelFunc
	done  chan struct{}
}

func newClient(t testing.TB, space string, actor crdt.ActorID) *client {
	t.Helper()
	st := synctest.NewMemStore(actor)
	s, err := hsync.NewSession(hsync.Config{Space: space, Token: token(t, space),
		Backoff: func(int) time.Duration { return 5 * time.Millisecond }}, st)
	if err != nil {
		t.Fatal(err)
	}
	return &client{space: space, store: st, sess: s}
}

// run starts Session.Run over dial until stopped.
func (c *client) run(dial hsync.Dialer) {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		_ = c.sess.Run(ctx, dial)
	}()
}

func (c *client) halt() {
	c.stop()
	<-c.done
}

func payload(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// flaky wraps a dialer: each connection breaks after a random number of
// frames, and counts what was sent and received.
type flaky struct {
	dial     hsync.Dialer
	mu       gosync.Mutex
	rnd      *rand.Rand
	maxOps   int
	pushed   atomic.Int64 // envelopes sent in PUSH frames
	received []hsync.Message
}

func (f *flaky) Dial(ctx context.Context) (hsync.Transport, error) {
	t, err := f.dial(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	left := int64(1 << 30)
	if f.maxOps > 0 {
		left = int64(2 + f.rnd.IntN(f.maxOps))
	}
	f.mu.Unlock()
	ft := &flakyTransport{Transport: t, f: f}
	ft.left.Store(left)
	return ft, nil
}

type flakyTransport struct {
	hsync.Transport
	f    *flaky
	left atomic.Int64
}

var errCut = io.ErrUnexpectedEOF

func (t *flakyTransport) tick() error {
	if t.left.Add(-1) < 0 {
		t.Transport.Close()
		return errCut
	}
	return nil
}

func (t *flakyTransport) Send(ctx context.Context, frame []byte) error {
	if err := t.tick(); err != nil {
		return err
	}
	if m, err := hsync.Decode(frame, hsync.DefaultLimits); err == nil {
		if p, ok := m.(*hsync.Push); ok {
			t.f.pushed.Add(int64(len(p.Changes)))
		}
	}
	return t.Transport.Send(ctx, frame)
}

func (t *flakyTransport) Recv(ctx context.Context) ([]byte, error) {
	frame, err := t.Transport.Recv(ctx)
	if err == nil {
		if m, derr := hsync.Decode(frame, hsync.DefaultLimits); derr == nil {
			t.f.mu.Lock()
			t.f.received = append(t.f.received, m)
			t.f.mu.Unlock()
		}
		err = t.tick()
	}
	return frame, err
}
