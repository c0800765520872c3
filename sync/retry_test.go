package sync_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

func TestBackoffGrowsWithJitterUpToTheCap(t *testing.T) {
	b := hsync.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	for _, tc := range []struct {
		name   string
		rand   func(n int64) int64
		expect []time.Duration // attempts 0..6
	}{
		{"lowest draw", func(int64) int64 { return 0 },
			[]time.Duration{50, 100, 200, 400, 800, 1000, 1000}},
		{"highest draw", func(n int64) int64 { return n - 1 },
			[]time.Duration{100, 200, 400, 800, 1600, 2000, 2000}},
	} {
		b.Rand = tc.rand
		for attempt, want := range tc.expect {
			if got := b.Delay(attempt); got != want*time.Millisecond {
				t.Errorf("%s: Delay(%d) = %v, want %v", tc.name, attempt, got, want*time.Millisecond)
			}
		}
	}
	b.Rand = nil
	for attempt := range 100 { // no overflow however long the outage
		if d := b.Delay(attempt); d < 50*time.Millisecond || d > 2*time.Second {
			t.Fatalf("Delay(%d) = %v, outside [Base/2, Max]", attempt, d)
		}
	}
	if d := hsync.DefaultBackoff.Delay(1000); d < 15*time.Second || d > 30*time.Second {
		t.Fatalf("DefaultBackoff caps at 15-30 s, got %v", d)
	}
}

func TestErrorCodeNamesTheCause(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&hsync.RemoteError{Code: hsync.CodeTokenExpired, Message: "expired"}, "token_expired"},
		{fmt.Errorf("wrapped: %w", &hsync.RemoteError{Code: hsync.CodeInternal}), "internal"},
		{fmt.Errorf("%w: read local changes: %w", hsync.ErrStorage, errors.New("idb: storage error")), "storage"},
		{fmt.Errorf("apply remote: %w", hsync.ErrInvalidChange), "invalid_change"},
		{fmt.Errorf("%w: auth server down", hsync.ErrTokenProvider), "token_provider"},
		{fmt.Errorf("%w: frame of 3 bytes", hsync.ErrMalformed), "malformed"},
		{fmt.Errorf("%w: relay sent a:3", hsync.ErrSeqGap), "seq_gap"},
		{errors.New("the WebSocket connection closed (code 1006)"), "network"},
		{context.DeadlineExceeded, "network"},
	} {
		if got := hsync.ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// fakeRelay dials Transports to a relay that refuses the first down
// dials, answers each HELLO with answer (nil: WELCOME with what it holds
// and an empty catch-up), each PUSH with an ACK when acks is set, and
// ends each connection with "connection reset" once it has nothing more
// to say.
type fakeRelay struct {
	down   int
	answer func(h *hsync.Hello) []hsync.Message
	acks   bool
	have   crdt.VersionVector
	hellos []*hsync.Hello
}

func welcome(have crdt.VersionVector) []hsync.Message {
	return []hsync.Message{&hsync.Welcome{Version: have.Clone()}, &hsync.Changes{Done: true}}
}

type fakeConn struct {
	r       *fakeRelay
	in      chan []byte
	greeted chan struct{} // closed at the HELLO
}

func (r *fakeRelay) dial(context.Context) (hsync.Transport, error) {
	if r.down > 0 {
		r.down--
		return nil, errors.New("connection refused")
	}
	return &fakeConn{r: r, in: make(chan []byte, 16), greeted: make(chan struct{})}, nil
}

func (c *fakeConn) Send(_ context.Context, frame []byte) error {
	m, err := hsync.Decode(frame, hsync.DefaultLimits)
	if err != nil {
		return err
	}
	if c.r.have == nil {
		c.r.have = crdt.VersionVector{}
	}
	var replies []hsync.Message
	switch m := m.(type) {
	case *hsync.Hello:
		defer close(c.greeted)
		c.r.hellos = append(c.r.hellos, m)
		replies = welcome(c.r.have)
		if c.r.answer != nil {
			replies = c.r.answer(m)
		}
	case *hsync.Push:
		if c.r.acks {
			c.r.have.Merge(hsync.VersionOf(m.Changes))
			replies = []hsync.Message{&hsync.Ack{ID: m.ID, Version: c.r.have.Clone()}}
		}
	}
	for _, reply := range replies {
		b, err := hsync.Encode(reply)
		if err != nil {
			return err
		}
		c.in <- b
	}
	return nil
}

// Recv ends the connection once the relay has been silent for 50 ms after
// the HELLO (the session answers a frame at once, so that is the end).
func (c *fakeConn) Recv(ctx context.Context) ([]byte, error) {
	select {
	case <-c.greeted:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case f := <-c.in:
		return f, nil
	case <-time.After(50 * time.Millisecond):
		return nil, errors.New("connection reset")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *fakeConn) Close() error { return nil }

// runFor runs s under Run for n connection attempts with an instant clock
// and returns the attempt number of each backoff wait and the statuses
// seen at those waits.
func runFor(t *testing.T, cfg hsync.Config, st hsync.LocalStore, r *fakeRelay, n int) (attempts []int, at []hsync.Status) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *hsync.Session
	cfg.Backoff = func(a int) time.Duration {
		attempts = append(attempts, a)
		at = append(at, s.Status())
		if len(attempts) == n {
			cancel()
		}
		return time.Hour
	}
	cfg.After = instantClock(ctx)
	s, err := hsync.NewSession(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(ctx, r.dial); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	return attempts, at
}

// instantClock is a Config.After that waits for nothing until ctx ends,
// and then for ever (so that Run sees ctx end, not the clock).
func instantClock(ctx context.Context) func(time.Duration) <-chan time.Time {
	return func(time.Duration) <-chan time.Time {
		if ctx.Err() != nil {
			return nil
		}
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}
}

// failingStore is a MemStore whose log cannot be read, as the engine's
// when a record was compacted or IndexedDB fails.
type failingStore struct{ *synctest.MemStore }

func (failingStore) ChangesSince(crdt.VersionVector, int) ([]hsync.Envelope, error) {
	return nil, errors.New("change a/1 is no longer in the log: storage error")
}

// A relay that WELCOMEs but never takes a push, and a local store that
// fails after every WELCOME, are both retried with a growing backoff: a
// WELCOME is not progress (issue 14: 3-6 HELLOs a second).
func TestRunBacksOffWhenConnectionsMakeNoProgress(t *testing.T) {
	want := []int{0, 1, 2, 3, 4, 5}
	st := synctest.NewMemStore("me")
	st.Write([]byte("x"))
	attempts, _ := runFor(t, hsync.Config{Space: "s"}, st, &fakeRelay{}, len(want))
	if fmt.Sprint(attempts) != fmt.Sprint(want) {
		t.Errorf("relay dropping after WELCOME: attempts %v, want %v", attempts, want)
	}

	broken := failingStore{synctest.NewMemStore("me")}
	broken.Write([]byte("x"))
	attempts, at := runFor(t, hsync.Config{Space: "s"}, broken, &fakeRelay{}, len(want))
	if fmt.Sprint(attempts) != fmt.Sprint(want) {
		t.Errorf("failing store: attempts %v, want %v", attempts, want)
	}
	last := at[len(at)-1]
	if code := hsync.ErrorCode(last.LastError); code != "storage" || last.Pending != 1 {
		t.Errorf("failing store: status %+v (code %q), want code storage, pending 1", last, code)
	}
}

// A connection that got an ACK made progress: the next wait is the
// shortest again. (Two refused dials first; the relay never sends its
// catch-up, so later connections, with nothing to push, make none.)
func TestRunResetsBackoffAfterProgress(t *testing.T) {
	st := synctest.NewMemStore("me")
	st.Write([]byte("x"))
	r := &fakeRelay{down: 2, acks: true, have: crdt.VersionVector{}}
	r.answer = func(*hsync.Hello) []hsync.Message {
		return []hsync.Message{&hsync.Welcome{Version: r.have.Clone()}}
	}
	attempts, at := runFor(t, hsync.Config{Space: "s"}, st, r, 4)
	if fmt.Sprint(attempts) != "[0 1 0 1]" {
		t.Errorf("attempts %v, want [0 1 0 1]", attempts)
	}
	if code := hsync.ErrorCode(at[0].LastError); code != "network" || at[0].Pending != 1 {
		t.Errorf("relay down: status %+v (code %q)", at[0], code)
	}
	if at[2].Pending != 0 {
		t.Errorf("after the ACK: status %+v", at[2])
	}
}

// The token is fetched once, reused across reconnections, and fetched
// again after the relay refused it; a failing provider is an attempt that
// fails with code token_provider and backs off.
func TestRunRefreshesARefusedToken(t *testing.T) {
	calls := 0
	tokens := []any{errors.New("auth server down"), "old", "new"}
	cfg := hsync.Config{Space: "s", Token: func() (string, error) {
		tok := tokens[min(calls, len(tokens)-1)]
		calls++
		if err, ok := tok.(error); ok {
			return "", err
		}
		return tok.(string), nil
	}}
	r := &fakeRelay{answer: func(h *hsync.Hello) []hsync.Message {
		if h.Token != "new" {
			return []hsync.Message{&hsync.ErrorMessage{Code: hsync.CodeTokenExpired, Message: "expired"}}
		}
		return welcome(crdt.VersionVector{})
	}}
	attempts, at := runFor(t, cfg, synctest.NewMemStore("me"), r, 5)
	var got []string
	for _, h := range r.hellos {
		got = append(got, h.Token)
	}
	if fmt.Sprint(got) != "[old new new new]" || calls != 3 {
		t.Errorf("HELLO tokens %v after %d provider calls, want [old new new new] after 3", got, calls)
	}
	if code := hsync.ErrorCode(at[0].LastError); code != "token_provider" {
		t.Errorf("first failure %v: code %q", at[0].LastError, code)
	}
	if code := hsync.ErrorCode(at[1].LastError); code != "token_expired" {
		t.Errorf("second failure %v: code %q", at[1].LastError, code)
	}
	if fmt.Sprint(attempts) != "[0 1 0 0 0]" {
		// Reaching Synced is progress: the backoff restarts.
		t.Errorf("attempts %v, want [0 1 0 0 0]", attempts)
	}
}

// pollRelay is a Poller whose relay WELCOMEs every request but never ACKs
// a push: a relay that answers without taking what is sent.
type pollRelay struct{ requests int }

func (p *pollRelay) Poll(_ context.Context, body []byte, _ time.Duration) ([]byte, error) {
	p.requests++
	return hsync.Encode(&hsync.Welcome{Version: crdt.VersionVector{}})
}

func TestRunPollBacksOffWhenExchangesMoveNothing(t *testing.T) {
	st := synctest.NewMemStore("me")
	st.Write([]byte("x"))
	var attempts []int
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := hsync.Config{Space: "s",
		Backoff: func(a int) time.Duration {
			if attempts = append(attempts, a); len(attempts) == 4 {
				cancel()
			}
			return time.Hour
		},
		After: instantClock(ctx)}
	s, err := hsync.NewSession(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	p := &pollRelay{}
	_ = s.RunPoll(ctx, p, time.Second)
	if fmt.Sprint(attempts) != "[0 1 2 3]" || p.requests != 5 {
		t.Errorf("attempts %v over %d requests, want [0 1 2 3] over 5", attempts, p.requests)
	}
}

// A relay that sends back changes the replica holds already (a replay)
// and then drops the connection made no progress: the backoff grows.
// (relay/simtest's tally showed replicas that met a seq gap after such
// changes reconnecting thousands of times a run.)
func TestRunBacksOffFromReplayedChanges(t *testing.T) {
	st := synctest.NewMemStore("me")
	st.Write([]byte("x"))
	held, err := st.ChangesSince(nil, 1)
	if err != nil || len(held) != 1 {
		t.Fatalf("ChangesSince: %v %v", held, err)
	}
	r := &fakeRelay{answer: func(*hsync.Hello) []hsync.Message {
		return []hsync.Message{&hsync.Welcome{Version: crdt.VersionVector{}}, &hsync.Changes{Changes: held}}
	}}
	attempts, _ := runFor(t, hsync.Config{Space: "s"}, st, r, 4)
	if fmt.Sprint(attempts) != "[0 1 2 3]" {
		t.Errorf("attempts %v, want [0 1 2 3]", attempts)
	}
}
