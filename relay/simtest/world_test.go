package simtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
)

const space = "sim"

var secret = []byte("sim-secret")

// errRelayDown is what a replica sees while the relay restarts.
var errRelayDown = errors.New("simtest: relay is down")

// clock is the relay's and the replicas' virtual clock: whole seconds
// that the scheduler advances (one per step), always 950 ms into the
// second. A token minted to expire at the next whole second is refused
// at the next step, and a WebSocket session opened with it ends 50 ms
// (real time) later by the relay's expiry timer.
type clock struct{ sec atomic.Int64 }

const epoch = 1_900_000_000

func (c *clock) Now() time.Time { return time.Unix(epoch+c.sec.Load(), 950e6) }

func (c *clock) advance(s int) { c.sec.Add(int64(s)) }

// world is one schedule's relay: an in-process relay.Relay over a bbolt
// file, behind an httptest server (for WebSocket) whose handler, and the
// in-process HTTP binding, reach whichever relay is up.
type world struct {
	dir   string
	batch int // the relay's max_batch
	clock clock
	srv   *httptest.Server
	wsURL string
	mu    gosync.RWMutex
	relay *relay.Relay // nil while restarting
	store *relay.Store
	// busy counts requests being served, which a stopping relay lets
	// finish before its store closes (as http.Server.Shutdown would).
	busy   gosync.WaitGroup
	backup bool // dir holds a backup copy of the relay's file
	healed atomic.Bool
	log    *slog.Logger

	errMu gosync.Mutex
	errs  []string
}

func newWorld(dir string, batch int) (*world, error) {
	w := &world{dir: dir, batch: batch, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := w.startRelay(); err != nil {
		return nil, err
	}
	w.srv = httptest.NewServer(http.HandlerFunc(w.serve))
	w.wsURL = "ws" + strings.TrimPrefix(w.srv.URL, "http") + "/v1/ws"
	return w, nil
}

func (w *world) path() string { return filepath.Join(w.dir, "relay.db") }

func (w *world) startRelay() error {
	st, err := relay.OpenStore(w.path(), relay.StoreOptions{NoSync: true, BatchDelay: -1})
	if err != nil {
		return err
	}
	cfg := relay.Config{Store: st, Secret: secret, Logger: w.log, Now: w.clock.Now}
	cfg.Limits.MaxBatch = w.batch
	r, err := relay.New(cfg)
	if err != nil {
		st.Close()
		return err
	}
	w.mu.Lock()
	w.relay, w.store = r, st
	w.mu.Unlock()
	return nil
}

// current returns the relay that is up, or nil.
func (w *world) current() *relay.Relay {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.relay
}

// enter returns the relay that is up, or nil, counting a request it
// serves until done is called.
func (w *world) enter() (r *relay.Relay, done func()) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.relay == nil {
		return nil, nil
	}
	w.busy.Add(1)
	return w.relay, w.busy.Done
}

func (w *world) serve(rw http.ResponseWriter, req *http.Request) {
	r, done := w.enter()
	if r == nil {
		http.Error(rw, "relay restarting", http.StatusServiceUnavailable)
		return
	}
	defer done()
	r.ServeHTTP(rw, req)
}

// stopRelay shuts the relay down (sessions get shutting_down) and closes
// its store.
func (w *world) stopRelay() error {
	w.mu.Lock()
	r, st := w.relay, w.store
	w.relay, w.store = nil, nil
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		return fmt.Errorf("relay shutdown: %w", err)
	}
	w.busy.Wait()
	return st.Close()
}

// restart stops the relay, does what the event asks with its file, and
// starts it again.
func (w *world) restart(k kind) error {
	if err := w.stopRelay(); err != nil {
		return err
	}
	var err error
	switch k {
	case evBackup:
		err = copyFile(w.path(), w.path()+".bak")
		w.backup = w.backup || err == nil
	case evWipe:
		err = os.Remove(w.path())
	case evRollback:
		if w.backup {
			err = copyFile(w.path()+".bak", w.path())
		} else {
			err = os.Remove(w.path()) // rolled back to before the first write
		}
	}
	if err != nil {
		return err
	}
	return w.startRelay()
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// post carries one HTTP-binding request to the relay in process (no
// socket): body to POST /v1/sync, long-polling up to wait.
func (w *world) post(ctx context.Context, body []byte, wait time.Duration) ([]byte, error) {
	r, done := w.enter()
	if r == nil {
		return nil, errRelayDown
	}
	defer done()
	url := "/v1/sync"
	if wait > 0 {
		url += fmt.Sprintf("?wait=%g", wait.Seconds())
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return rec.Body.Bytes(), nil
}

// token returns a token that expires after life seconds of the clock
// (life 0: at the next whole second).
func (w *world) token(life int64) (string, error) {
	exp := time.Unix(w.clock.Now().Unix()+1+life, 0)
	return relay.MintToken(secret, space, exp)
}

// relayVersion returns what the relay holds, or nil while it is down.
func (w *world) relayVersion() (crdt.VersionVector, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.store == nil {
		return nil, errRelayDown
	}
	return w.store.Version(space)
}

// fail records a failure seen by a goroutine other than the test's.
func (w *world) fail(format string, args ...any) {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	w.errs = append(w.errs, fmt.Sprintf(format, args...))
}

func (w *world) failures() []string {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return append([]string(nil), w.errs...)
}

func (w *world) close() {
	w.srv.CloseClientConnections()
	if w.current() != nil {
		_ = w.stopRelay()
	}
	w.srv.Close()
}
