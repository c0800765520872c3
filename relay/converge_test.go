package relay_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// TestConvergeWithRandomDisconnects: clients write offline and online
// while their connections break at random; all end with the same changes,
// nothing pending, and the relay holds every change once.
func TestConvergeWithRandomDisconnects(t *testing.T) { testConverge(t, 12) }

// TestConvergeStable is the same without disconnects.
func TestConvergeStable(t *testing.T) { testConverge(t, 0) }

func testConverge(t *testing.T, maxOps int) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	tr := startRelay(t, func(c *relay.Config) { c.Limits.MaxBatch = 7 })
	const n, writes = 3, 60
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = newClient(t, "space", crdt.ActorID(fmt.Sprintf("actor-%d", i)))
		for range writes / 2 {
			clients[i].store.Write(payload(rnd, 100)) // offline
		}
		f := &flaky{dial: relay.Dialer(tr.wsURL), rnd: rand.New(rand.NewPCG(seed, uint64(i))), maxOps: maxOps}
		clients[i].run(f.Dial)
	}
	for range writes / 2 {
		c := clients[rnd.IntN(n)]
		c.store.Write(payload(rnd, 100))
		c.sess.Notify()
		time.Sleep(time.Millisecond)
	}
	for _, c := range clients {
		c.store.Write(payload(rnd, 100))
		c.sess.Notify()
	}
	waitConverged(t, clients, n*(writes/2+1)+writes/2)
	vv, err := tr.store.Version("space")
	if err != nil || !vv.Equal(clients[0].store.Version()) {
		t.Fatalf("relay holds %v (%v), clients %v", vv, err, clients[0].store.Version())
	}
}

func waitConverged(t *testing.T, clients []*client, total int) {
	t.Helper()
	defer func() {
		if t.Failed() {
			for _, c := range clients {
				t.Logf("status %+v version %v", c.sess.Status(), c.store.Version())
			}
		}
	}()
	waitFor(t, "convergence", 10*time.Second, func() bool {
		for _, c := range clients {
			st := c.sess.Status()
			if st.State != hsync.Synced || st.Pending != 0 || count(c.store.Version()) != total {
				return false
			}
		}
		return true
	})
	for _, c := range clients[1:] {
		if !c.store.Same(clients[0].store) {
			t.Fatalf("replicas differ: %v vs %v", c.store.Version(), clients[0].store.Version())
		}
	}
	for _, c := range clients {
		c.halt()
	}
}

func count(vv crdt.VersionVector) int {
	n := 0
	for _, s := range vv {
		n += int(s)
	}
	return n
}
