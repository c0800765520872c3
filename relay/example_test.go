package relay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

// Example runs a relay as an http.Handler and syncs one session with it
// over WebSocket.
func Example() {
	dir, _ := os.MkdirTemp("", "relay-example")
	defer os.RemoveAll(dir)
	store, _ := relay.OpenStore(filepath.Join(dir, "relay.db"), relay.StoreOptions{})
	defer store.Close()
	secret := []byte("dev-secret")
	r, _ := relay.New(relay.Config{Store: store, Secret: secret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(r)
	defer srv.Close()

	token, _ := relay.MintToken(secret, "notes", time.Now().Add(time.Hour))
	local := synctest.NewMemStore("alice")
	local.Write([]byte("a change"))
	s, _ := hsync.NewSession(hsync.Config{Space: "notes", Token: func() (string, error) { return token, nil }}, local)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx, relay.Dialer("ws"+strings.TrimPrefix(srv.URL, "http")+"/v1/ws"))
	}()
	for s.Status().State != hsync.Synced {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	vv, _ := store.Version("notes")
	fmt.Println("relay holds", vv)

	resp, _ := http.Get(srv.URL + "/healthz")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	shutdown, stop := context.WithTimeout(context.Background(), time.Second)
	defer stop()
	_ = r.Shutdown(shutdown)
	// Output:
	// relay holds map[alice:1]
	// ok
}

func ExampleMintToken() {
	secret := []byte("dev-secret")
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, _ := relay.MintToken(secret, "notes", exp)
	fmt.Println(tok)
	fmt.Println(relay.VerifyToken(secret, tok, "notes", exp.Add(-time.Minute)))
	fmt.Println(relay.VerifyToken(secret, tok, "other", exp.Add(-time.Minute)))
	// Output:
	// v1.eyJzcGFjZSI6Im5vdGVzIiwiZXhwIjoxODkzNDU2MDAwfQ.OalXxLu9tUvTQqnOoKz1ay0JleMR2aKxB63sXxyLJak
	// <nil>
	// hearth/sync: unauthorized: token is for another space
}
