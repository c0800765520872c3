package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthdb/hearth/relay"
)

func TestTokenSubcommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"token", "-secret", "s3", "-space", "notes", "-ttl", "1h"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	tok := strings.TrimSpace(out.String())
	if err := relay.VerifyToken([]byte("s3"), tok, "notes", time.Now()); err != nil {
		t.Fatalf("minted token does not verify: %v", err)
	}
}

func TestServeRequiresSecret(t *testing.T) {
	t.Setenv("HEARTH_RELAY_SECRET", "")
	err := run([]string{"-data", t.TempDir(), "-addr", "127.0.0.1:0"}, os.Stdout, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v, want missing secret", err)
	}
}

// TestProcess runs the relay as a real process, as the browser test harness
// does: it must print one "listening" line, serve /healthz and static files,
// and exit cleanly on SIGTERM.
func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "relay")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	static := filepath.Join(dir, "www")
	os.Mkdir(static, 0o755)
	os.WriteFile(filepath.Join(static, "index.html"), []byte("hello page"), 0o644)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"), "-open", "-static", static)
	var logs syncBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := waitListening(t, &logs)
	get(t, "http://"+addr+"/healthz", "ok")
	get(t, "http://"+addr+"/index.html", "hello page")
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("relay did not stop on SIGTERM")
	}
}

func waitListening(t *testing.T, logs *syncBuffer) string {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(logs.String(), "\n") {
			if i := strings.Index(line, "msg=listening addr="); i >= 0 {
				return strings.TrimSpace(line[i+len("msg=listening addr="):])
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no listening line:\n%s", logs.String())
	return ""
}

func get(t *testing.T, url, want string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if !strings.Contains(b.String(), want) {
		t.Fatalf("GET %s = %q, want %q", url, b.String(), want)
	}
}

// -retain-history takes "all" (the default: keep every change) or a
// duration, and refuses anything else; -snapshot-after and -max-snapshot
// reach the relay's config.
func TestSnapshotFlags(t *testing.T) {
	for _, c := range []struct {
		arg  string
		drop bool
		d    time.Duration
		ok   bool
	}{{"", false, 0, true}, {"all", false, 0, true}, {"0s", true, 0, true}, {"24h", true, 24 * time.Hour, true}, {"-1s", false, 0, false}, {"soon", false, 0, false}} {
		args := []string{"-snapshot-after", "7", "-max-snapshot", "1000"}
		if c.arg != "" {
			args = append(args, "-retain-history", c.arg)
		}
		f, err := parseServe(args, io.Discard)
		if (err == nil) != c.ok {
			t.Fatalf("%q: %v", c.arg, err)
		}
		if err == nil && (f.retain.drop != c.drop || f.retain.d != c.d || f.snapshotAfter != 7 || f.maxSnapshot != 1000) {
			t.Fatalf("%q: %+v", c.arg, f)
		}
	}
}
