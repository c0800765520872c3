package sync_test

import (
	"context"
	"testing"
	"time"

	hsync "github.com/hearthdb/hearth/sync"
)

// welcomeOnly is a relay that answers every HELLO with one WELCOME.
type welcomeOnly struct {
	frames chan []byte
	done   chan struct{}
}

func (w *welcomeOnly) Send(_ context.Context, frame []byte) error {
	if m, err := hsync.Decode(frame, hsync.DefaultLimits); err == nil {
		if _, ok := m.(*hsync.Hello); ok {
			b, _ := hsync.Encode(&hsync.Welcome{Epoch: "new"})
			w.frames <- b
		}
	}
	return nil
}

func (w *welcomeOnly) Recv(ctx context.Context) ([]byte, error) {
	select {
	case f := <-w.frames:
		return f, nil
	case <-w.done:
		return nil, context.Canceled
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *welcomeOnly) Close() error {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
	return nil
}

// A session that cannot re-seed a relay (its own history is missing)
// backs off further at every attempt, although each is welcomed.
func TestHistoryMissingBacksOff(t *testing.T) {
	st := missingStore{synced(t)}
	var attempts []int
	now := make(chan time.Time, 1)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := hsync.NewSession(hsync.Config{Space: "s",
		Backoff: func(n int) time.Duration {
			if attempts = append(attempts, n); len(attempts) == 4 {
				cancel()
			}
			return 0
		},
		After: func(time.Duration) <-chan time.Time { now <- time.Time{}; return now },
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Run(ctx, func(context.Context) (hsync.Transport, error) {
		return &welcomeOnly{frames: make(chan []byte, 1), done: make(chan struct{})}, nil
	})
	if len(attempts) != 4 || attempts[3] != 3 {
		t.Fatalf("backoff attempts %v, want 0 1 2 3", attempts)
	}
	if st := s.Status(); st.LastError == nil {
		t.Fatal("no error in the status")
	}
}
