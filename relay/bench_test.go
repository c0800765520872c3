package relay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// durableRelay starts a relay whose store fsyncs every commit, as in
// production, over loopback.
func durableRelay(b *testing.B) *testRelay {
	st, err := relay.OpenStore(filepath.Join(b.TempDir(), "relay.db"), relay.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	r, err := relay.New(relay.Config{Store: st, Secret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(r)
	tr := &testRelay{Relay: r, srv: srv, store: st, wsURL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/ws"}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
		srv.Close()
		st.Close()
	})
	return tr
}

// BenchmarkConvergeOffline: two clients with 5,000 offline changes each
// (~100-byte payloads) connect to a fresh relay over loopback WebSocket;
// one op is the time until both hold all 10,000 changes, acknowledged.
func BenchmarkConvergeOffline(b *testing.B) {
	const perClient = 5000
	rnd := rand.New(rand.NewPCG(5, 6))
	for b.Loop() {
		b.StopTimer()
		tr := durableRelay(b)
		clients := []*client{newClient(b, "s", "alice"), newClient(b, "s", "bob")}
		for _, c := range clients {
			for range perClient {
				c.store.Write(payload(rnd, 100))
			}
		}
		b.StartTimer()
		for _, c := range clients {
			c.run(relay.Dialer(tr.wsURL))
		}
		waitFor(b, "convergence", time.Minute, func() bool {
			for _, c := range clients {
				if st := c.sess.Status(); st.State != hsync.Synced || count(c.store.Version()) != 2*perClient {
					return false
				}
			}
			return true
		})
		b.StopTimer()
		for _, c := range clients {
			c.halt()
		}
		b.StartTimer()
	}
}

// BenchmarkThroughput50: 50 clients connected to one space each commit
// changes one at a time (Notify after every write, ~100-byte payloads);
// reports changes/s that the relay acknowledged durably, while also
// fanning every change out to the 49 other clients.
func BenchmarkThroughput50(b *testing.B) { benchThroughput(b, false) }

// BenchmarkThroughput50Spaces is BenchmarkThroughput50 with every client
// in its own space: durable accepts without fan-out.
func BenchmarkThroughput50Spaces(b *testing.B) { benchThroughput(b, true) }

func benchThroughput(b *testing.B, ownSpace bool) {
	const clients, perClient = 50, 200
	rnd := rand.New(rand.NewPCG(7, 8))
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		tr := durableRelay(b)
		cs := make([]*client, clients)
		for i := range cs {
			space := "s"
			if ownSpace {
				space = fmt.Sprintf("s-%02d", i)
			}
			cs[i] = newClient(b, space, crdt.ActorID(fmt.Sprintf("actor-%02d", i)))
			cs[i].run(relay.Dialer(tr.wsURL))
		}
		waitFor(b, "all connected", time.Minute, func() bool { return allSynced(cs) })
		pay := payload(rnd, 100)
		b.StartTimer()
		start := time.Now()
		for i := range cs {
			go func(c *client) {
				for range perClient {
					c.store.Write(pay)
					c.sess.Notify()
				}
			}(cs[i])
		}
		waitFor(b, "all stored", 5*time.Minute, func() bool { return stored(tr, cs) == clients*perClient })
		total += time.Since(start)
		b.StopTimer()
		for _, c := range cs {
			c.halt()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*clients*perClient)/total.Seconds(), "changes/s")
}

// stored counts the changes the relay holds durably (Append returns after
// the fsynced commit) over the clients' spaces.
func stored(tr *testRelay, cs []*client) int {
	n, seen := 0, map[string]bool{}
	for _, c := range cs {
		space := c.space
		if seen[space] {
			continue
		}
		seen[space] = true
		vv, _ := tr.store.Version(space)
		n += count(vv)
	}
	return n
}

func allSynced(cs []*client) bool {
	for _, c := range cs {
		if c.sess.Status().State != hsync.Synced {
			return false
		}
	}
	return true
}
