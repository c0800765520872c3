package relay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// The store's epoch is made with its file and kept across reopens; another
// file has another.
func TestStoreEpoch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay.db")
	open := func(p string) string {
		st, err := relay.OpenStore(p, relay.StoreOptions{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return st.Epoch()
	}
	first := open(path)
	if len(first) != 32 || open(path) != first {
		t.Fatalf("epoch %q changed on reopen", first)
	}
	if other := open(filepath.Join(t.TempDir(), "other.db")); other == first {
		t.Fatal("two stores share an epoch")
	}
}

// A relay wiped while its clients run (replaced by an empty one under the
// same address) is re-seeded by them, with each other's changes too, and a
// new client then gets everything.
func TestWipedRelayIsReseeded(t *testing.T) {
	url := atomic.Value{}
	dial := func(ctx context.Context) (hsync.Transport, error) { return relay.Dial(ctx, url.Load().(string)) }
	first := startRelay(t, nil)
	url.Store(first.wsURL)
	a, b := newClient(t, "s", "alice"), newClient(t, "s", "bob")
	for range 30 {
		a.store.Write([]byte("from alice"))
	}
	a.run(dial)
	waitFor(t, "alice synced", 5*time.Second, func() bool { return a.sess.Status().State == hsync.Synced })
	b.run(dial)
	waitFor(t, "bob has alice's", 5*time.Second, func() bool { return b.store.Version().Get("alice") == 30 })
	a.halt() // alice leaves: her changes live on at bob's only once the relay is wiped
	b.store.Write([]byte("from bob"))
	b.sess.Notify()
	waitFor(t, "bob synced", 5*time.Second, func() bool { return b.sess.Status().State == hsync.Synced })

	second := startRelay(t, nil) // the wipe: another store, the same clients
	url.Store(second.wsURL)
	_ = first.Shutdown(context.Background()) // bob's session ends; it reconnects to the new relay
	waitFor(t, "relay re-seeded", 5*time.Second, func() bool {
		v, _ := second.store.Version("s")
		return v.Get("alice") == 30 && v.Get("bob") == 1
	})
	c := newClient(t, "s", "carol")
	c.run(dial)
	defer c.halt()
	waitFor(t, "carol has everything", 5*time.Second, func() bool { return c.store.Same(b.store) })
	b.halt()
}

// A relay answers each client in the version of its HELLO: version 1
// clients get the WELCOME they know, version 2 ones the epoch too,
// version 3 ones the snapshot fields as well; a
// version it does not speak gets unsupported_version in version 1, which
// every client reads. Over WebSocket and over HTTP.
func TestProtocolVersions(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.Open = true })
	hello := func(v uint64) []byte {
		b, err := hsync.EncodeVersion(&hsync.Hello{Space: "s"}, v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v4 := bytes.Clone(hello(2))
	v4[1] = 4
	check := func(how string, frame []byte, wantVersion byte, wantEpoch string, wantErr error) {
		maxChange := uint64(0) // version 2 only, as the epoch
		if wantVersion >= 2 {
			maxChange = uint64(hsync.DefaultLimits.MaxChange)
		}
		t.Helper()
		if frame[1] != wantVersion {
			t.Errorf("%s: answer in version %d, want %d", how, frame[1], wantVersion)
		}
		msgs, err := hsync.DecodeStream(frame, hsync.DefaultLimits, 4)
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		switch m := msgs[0].(type) {
		case *hsync.Welcome:
			if wantErr != nil || m.Epoch != wantEpoch || m.MaxChange != maxChange || uint64(frame[1]) != m.Proto {
				t.Errorf("%s: WELCOME with epoch %q, max_change %d, version %d", how, m.Epoch, m.MaxChange, m.Proto)
			}
		case *hsync.ErrorMessage:
			if !errors.Is(m.Err(), wantErr) {
				t.Errorf("%s: %v", how, m.Err())
			}
		}
	}
	cases := []struct {
		hello   []byte
		version byte
		epoch   string
		err     error
	}{
		{hello(1), 1, "", nil},
		{hello(2), 2, tr.store.Epoch(), nil},
		{hello(3), 3, tr.store.Epoch(), nil},
		{v4, 1, "", hsync.ErrVersion},
	}
	ctx := context.Background()
	for _, c := range cases {
		ws, _, err := websocket.Dial(ctx, tr.wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Write(ctx, websocket.MessageBinary, c.hello); err != nil {
			t.Fatal(err)
		}
		_, frame, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ws.CloseNow()
		check("websocket", frame, c.version, c.epoch, c.err)

		resp, err := http.Post(tr.srv.URL+"/v1/sync", relay.ContentType, bytes.NewReader(c.hello))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		check("http", body, c.version, c.epoch, c.err)
	}
}
