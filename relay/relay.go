package relay

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	hsync "github.com/hearthdb/hearth/sync"
)

// Config configures a Relay.
type Config struct {
	// Store holds the spaces; required. The caller closes it after Shutdown.
	Store *Store
	// Secret signs and verifies tokens (see MintToken); required unless Open.
	Secret []byte
	// Open accepts any token for any space: local development only.
	Open bool
	// Limits bound frames, batches and changes; default
	// sync.DefaultLimits.
	Limits hsync.Limits
	// MaxAssembly bounds the bytes of changes being assembled from PART
	// frames, all sessions together; default 8 × Limits.MaxChange.
	MaxAssembly int64
	// MaxConns bounds WebSocket connections plus waiting long-polls;
	// default 1000.
	MaxConns int
	// SnapshotAfter asks version 3 clients (WELCOME) to upload a snapshot
	// once the space holds that many changes beyond its newest snapshot;
	// 0 never asks (clients upload none).
	SnapshotAfter uint64
	// DropHistory drops the changes a snapshot covers once RetainHistory
	// has passed since it was stored (at once when it is 0). Off (the
	// default), the relay keeps every change, and snapshots only speed up
	// joining. Clients that lack a dropped change and cannot take a
	// snapshot (protocol version 1 and 2) then get history_dropped.
	DropHistory bool
	// RetainHistory: see DropHistory.
	RetainHistory time.Duration
	// MaxWait caps an HTTP long-poll (?wait=seconds); default 30s.
	MaxWait time.Duration
	// Static, if set, serves every path the protocol does not use (the
	// demo page next to the relay).
	Static http.Handler
	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger
	// Now is the clock for token expiry; default time.Now.
	Now func() time.Time
}

// Relay is the reference relay, an http.Handler. Routes: GET /v1/ws
// (WebSocket), POST /v1/sync (HTTP binding), GET /healthz, and Static for
// the rest.
type Relay struct {
	cfg      Config
	hub      *hub
	assembly *budget // memory for changes in parts (large.go)
	mux      *http.ServeMux
	conns    atomic.Int64
	ctx      context.Context // canceled by Shutdown
	stop     context.CancelFunc
	active   sync.WaitGroup
	closing  atomic.Bool
	// admitMu orders active.Add (admit) before active.Wait (Shutdown).
	admitMu sync.Mutex
}

// New returns a relay for cfg.
func New(cfg Config) (*Relay, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: no store", ErrConfig)
	}
	if !cfg.Open && len(cfg.Secret) == 0 {
		return nil, fmt.Errorf("%w: a secret is required unless open mode is on", ErrConfig)
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	if cfg.MaxAssembly <= 0 {
		cfg.MaxAssembly = 8 * int64(cfg.Limits.MaxChange)
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1000
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Relay{cfg: cfg, hub: newHub(), mux: http.NewServeMux(), assembly: newBudget(cfg.MaxAssembly)}
	r.ctx, r.stop = context.WithCancel(context.Background())
	r.routes()
	return r, nil
}

func (r *Relay) routes() {
	r.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.mux.HandleFunc("GET /v1/ws", r.serveWS)
	r.mux.HandleFunc("POST /v1/sync", cors(r.serveSync))
	r.mux.HandleFunc("OPTIONS /v1/sync", cors(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	if r.cfg.Static != nil {
		r.mux.Handle("/", r.cfg.Static)
	}
}

// cors lets pages of any origin call the HTTP binding with fetch: access is
// granted by the token in HELLO, never by cookies, so no origin is trusted
// more than another.
func cors(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "86400")
		h(w, req)
	}
}

// ServeHTTP implements http.Handler.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mux.ServeHTTP(w, req)
}

// Shutdown stops accepting sessions, tells every WebSocket client
// "shutting_down", answers waiting long-polls, and waits until all of them
// have ended or ctx is done. Pushes already being stored finish first, so
// every ACK sent stays true.
func (r *Relay) Shutdown(ctx context.Context) error {
	r.admitMu.Lock()
	r.closing.Store(true)
	r.admitMu.Unlock()
	r.stop()
	done := make(chan struct{})
	go func() {
		r.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// admit counts a new long-lived session; release undoes it.
func (r *Relay) admit() error {
	r.admitMu.Lock()
	defer r.admitMu.Unlock()
	if r.closing.Load() {
		return hsync.ErrShuttingDown
	}
	if r.conns.Add(1) > int64(r.cfg.MaxConns) {
		r.conns.Add(-1)
		return fmt.Errorf("%w: limit %d", hsync.ErrTooManyConnections, r.cfg.MaxConns)
	}
	r.active.Add(1)
	return nil
}

func (r *Relay) release() {
	r.conns.Add(-1)
	r.active.Done()
}

// authorize checks a HELLO's token for its space and returns when it
// expires (zero in open mode: never).
func (r *Relay) authorize(h *hsync.Hello) (exp time.Time, err error) {
	if r.cfg.Open {
		return exp, nil
	}
	return verifyToken(r.cfg.Secret, h.Token, h.Space, r.cfg.Now())
}

// untilExpiry is how long a session authorized until exp may still run;
// ok is false when exp is zero (no expiry).
func (r *Relay) untilExpiry(exp time.Time) (d time.Duration, ok bool) {
	if exp.IsZero() {
		return 0, false
	}
	return max(exp.Sub(r.cfg.Now()), 0), true
}

// welcome returns the WELCOME for space.
func (r *Relay) welcome(space string) (*hsync.Welcome, error) {
	vv, err := r.cfg.Store.Version(space)
	if err != nil {
		return nil, err
	}
	return &hsync.Welcome{Version: vv, MaxFrame: uint64(r.cfg.Limits.MaxFrame), MaxBatch: uint64(r.cfg.Limits.MaxBatch),
		MaxChange: uint64(r.cfg.Limits.MaxChange), Epoch: r.cfg.Store.Epoch()}, nil
}

// store appends a push durably and wakes the space's other listeners.
func (r *Relay) store(space string, p *hsync.Push) (*hsync.Ack, error) {
	heads, err := r.cfg.Store.Append(space, p.Changes)
	if err != nil {
		return nil, err
	}
	r.hub.notify(space)
	return &hsync.Ack{ID: p.ID, Version: heads}, nil
}

// batchBytes is the payload budget of one outgoing batch: the frame limit
// minus room for headers.
func (r *Relay) batchBytes() int { return r.cfg.Limits.MaxFrame - 1024 }
