// Command relay runs Hearth's reference relay (package relay): WebSocket
// and HTTP sync endpoints on one port, changes stored in one bbolt file.
//
//	relay -addr 127.0.0.1:8787 -data ./data -open          # local development
//	relay -data /var/lib/hearth -secret-file /etc/hearth/secret
//	relay token -secret-file /etc/hearth/secret -space notes -ttl 24h
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		return mintToken(args[1:], stdout, stderr)
	}
	return serve(args, stderr)
}

type serveFlags struct {
	addr, data, static, secret, secretFile, logLevel string
	open                                             bool
	maxConns, maxFrame, maxBatch, maxChange          int
	maxAssembly                                      int64
	drain                                            time.Duration
	maxSnapshot                                      int
	snapshotAfter                                    uint64
	retain                                           retainFlag
}

// retainFlag is -retain-history: "all" (keep every change) or a duration
// after which the changes a snapshot covers are dropped.
type retainFlag struct {
	drop bool
	d    time.Duration
}

func (f *retainFlag) String() string {
	if !f.drop {
		return "all"
	}
	return f.d.String()
}

func (f *retainFlag) Set(s string) error {
	if s == "all" {
		*f = retainFlag{}
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want \"all\" or a duration >= 0, got %q", s)
	}
	*f = retainFlag{drop: true, d: d}
	return nil
}

func parseServe(args []string, stderr io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8787", "listen address")
	fs.StringVar(&f.data, "data", "hearth-data", "data directory (holds relay.db)")
	fs.StringVar(&f.static, "static", "", "directory of static files to serve next to the relay")
	fs.BoolVar(&f.open, "open", false, "accept any token (local development only)")
	fs.StringVar(&f.secret, "secret", "", "token signing secret (or $HEARTH_RELAY_SECRET)")
	fs.StringVar(&f.secretFile, "secret-file", "", "file holding the token signing secret")
	fs.IntVar(&f.maxConns, "max-conns", 1000, "max WebSocket connections plus waiting long-polls")
	fs.IntVar(&f.maxFrame, "max-frame", hsync.DefaultLimits.MaxFrame, "max frame size in bytes")
	fs.IntVar(&f.maxBatch, "max-batch", hsync.DefaultLimits.MaxBatch, "max changes per batch")
	fs.IntVar(&f.maxChange, "max-change", hsync.DefaultLimits.MaxChange, "max bytes of one change (larger ones travel in PART frames)")
	fs.Int64Var(&f.maxAssembly, "max-assembly", 0, "max bytes of changes being assembled from parts, all sessions together (default 8 × max-change)")
	fs.IntVar(&f.maxSnapshot, "max-snapshot", hsync.DefaultLimits.MaxSnapshot, "max bytes of a snapshot a client uploads (protocol version 3)")
	fs.Uint64Var(&f.snapshotAfter, "snapshot-after", 10000, "ask clients for a snapshot once a space holds this many changes beyond its newest one (0: never)")
	fs.Var(&f.retain, "retain-history", `"all" keeps every change (default); a duration (e.g. 0s, 24h) drops the changes a snapshot covers that long after it is stored`)
	fs.DurationVar(&f.drain, "drain", 10*time.Second, "how long shutdown waits for sessions to end")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	return f, fs.Parse(args)
}

func serve(args []string, stderr io.Writer) error {
	f, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, f.logLevel)
	secret, err := loadSecret(f.secret, f.secretFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return err
	}
	store, err := relay.OpenStore(filepath.Join(f.data, "relay.db"), relay.StoreOptions{})
	if err != nil {
		return err
	}
	defer store.Close()
	cfg := relay.Config{Store: store, Secret: secret, Open: f.open, Logger: log, MaxConns: f.maxConns,
		Limits:        hsync.Limits{MaxFrame: f.maxFrame, MaxBatch: f.maxBatch, MaxChange: f.maxChange, MaxSnapshot: f.maxSnapshot},
		MaxAssembly:   f.maxAssembly,
		SnapshotAfter: f.snapshotAfter, DropHistory: f.retain.drop, RetainHistory: f.retain.d}
	if f.static != "" {
		// Go's table lacks the PWA manifest's type (.wasm and .mjs it has).
		if err := mime.AddExtensionType(".webmanifest", "application/manifest+json"); err != nil {
			return err
		}
		cfg.Static = http.FileServer(http.Dir(f.static))
	}
	r, err := relay.New(cfg)
	if err != nil {
		return err
	}
	if f.open {
		log.Warn("open mode: any client may read and write any space")
	}
	return listenAndServe(f.addr, r, log, f.drain)
}

// listenAndServe serves until SIGINT or SIGTERM, then drains.
func listenAndServe(addr string, r *relay.Relay, log *slog.Logger, drain time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "drain", drain)
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	rerr := r.Shutdown(sctx)
	serr := srv.Shutdown(sctx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return errors.Join(rerr, serr)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// loadSecret returns the secret from -secret, -secret-file or
// $HEARTH_RELAY_SECRET (nil when none is set).
func loadSecret(secret, file string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if secret == "" {
		secret = os.Getenv("HEARTH_RELAY_SECRET")
	}
	if secret == "" {
		return nil, nil
	}
	return []byte(secret), nil
}

// mintToken implements "relay token": print a token for a space.
func mintToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("relay token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	space := fs.String("space", "", "space the token grants (required)")
	ttl := fs.Duration("ttl", 24*time.Hour, "token lifetime")
	secret := fs.String("secret", "", "token signing secret (or $HEARTH_RELAY_SECRET)")
	secretFile := fs.String("secret-file", "", "file holding the token signing secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, err := loadSecret(*secret, *secretFile)
	if err != nil {
		return err
	}
	tok, err := relay.MintToken(key, *space, time.Now().Add(*ttl))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
