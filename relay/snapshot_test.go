package relay_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

// The store's snapshot methods, the conformance part of snapshots: a
// vector beyond the heads is refused, an older or equal one keeps the one
// held, pieces read back the blob, a replaced snapshot is not read, and
// dropping keeps the log's invariant (floor+1..head), refuses to read
// below the floor (history_dropped, never a gap) and acknowledges a
// dropped change pushed again as a replay.
func TestStoreSnapshot(t *testing.T) {
	st, err := relay.OpenStore(filepath.Join(t.TempDir(), "relay.db"), relay.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var envs []hsync.Envelope
	for i := 1; i <= 10; i++ {
		envs = append(envs, hsync.Envelope{Actor: "a", Seq: uint64(i), Payload: []byte{byte(i)}})
	}
	if _, err := st.Append("s", envs); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(100, 0)
	if _, err := st.PutSnapshot("s", crdt.VersionVector{"a": 11}, []byte("x"), now); !errors.Is(err, hsync.ErrSnapshotRefused) {
		t.Fatalf("snapshot beyond the head: %v", err)
	}
	if _, err := st.PutSnapshot("other", crdt.VersionVector{"a": 1}, []byte("x"), now); !errors.Is(err, hsync.ErrSnapshotRefused) {
		t.Fatalf("snapshot of an empty space: %v", err)
	}
	blob := make([]byte, 700<<10) // three chunks of the store
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	info, err := st.PutSnapshot("s", crdt.VersionVector{"a": 6}, blob, now)
	if err != nil || info.Gen != 1 || info.Size != len(blob) || !info.Version.Equal(crdt.VersionVector{"a": 6}) {
		t.Fatalf("put: %+v, %v", info, err)
	}
	if old, err := st.PutSnapshot("s", crdt.VersionVector{"a": 4}, []byte("old"), now); err != nil || old.Gen != 1 {
		t.Fatalf("older snapshot replaced the newer: %+v, %v", old, err)
	}
	var got []byte
	for off := 0; off < info.Size; off += 100 << 10 {
		b, err := st.ReadSnapshot("s", 1, off, 100<<10)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	if string(got) != string(blob) {
		t.Fatalf("read back %d bytes, differ", len(got))
	}
	n, err := st.DropCovered("s", 1)
	if err != nil || n != 6 {
		t.Fatalf("dropped %d, %v", n, err)
	}
	if err := st.Check("s"); err != nil {
		t.Fatal(err)
	}
	_, _, floor, err := st.Snapshot("s")
	if err != nil || !floor.Equal(crdt.VersionVector{"a": 6}) {
		t.Fatalf("floor %v, %v", floor, err)
	}
	rest, _, err := st.ChangesSince("s", floor, 100, 1<<20)
	if err != nil || len(rest) != 4 || rest[0].Seq != 7 {
		t.Fatalf("after the floor: %v, %v", rest, err)
	}
	if _, _, err := st.ChangesSince("s", crdt.VersionVector{"a": 2}, 100, 1<<20); !errors.Is(err, hsync.ErrHistoryDropped) {
		t.Fatalf("reading below the floor: %v", err)
	}
	if _, err := st.Append("s", envs[2:3]); err != nil {
		t.Fatalf("a dropped change pushed again: %v", err)
	}
	if _, err := st.PutSnapshot("s", crdt.VersionVector{"a": 9}, []byte("new"), now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReadSnapshot("s", 1, 0, 10); err == nil {
		t.Fatal("read a replaced snapshot")
	}
	if n, err := st.DropCovered("s", 1); err != nil || n != 0 {
		t.Fatalf("dropping for a replaced snapshot: %d, %v", n, err)
	}
}

func newSnapClient(t testing.TB, space string, actor crdt.ActorID) (*client, *synctest.SnapStore) {
	t.Helper()
	st := synctest.NewSnapStore(actor)
	s, err := hsync.NewSession(hsync.Config{Space: space, Token: token(t, space),
		Backoff: func(int) time.Duration { return 5 * time.Millisecond }}, st)
	if err != nil {
		t.Fatal(err)
	}
	return &client{space: space, store: st.MemStore, sess: s}, st
}

// snapshotHeld waits until the relay holds a snapshot covering at least n
// changes of space.
func snapshotHeld(t *testing.T, tr *testRelay, space string, n uint64) relay.SnapshotInfo {
	t.Helper()
	var info relay.SnapshotInfo
	waitFor(t, "a snapshot", 10*time.Second, func() bool {
		i, ok, _, err := tr.store.Snapshot(space)
		info = i
		var total uint64
		for _, s := range i.Version {
			total += s
		}
		return err == nil && ok && total >= n
	})
	return info
}

// A space with a history many times its size: a writer asked for a
// snapshot uploads one; the relay drops the history it covers; a newcomer
// gets the snapshot then the changes after it, over WebSocket and HTTP,
// and ends with the same changes; a newcomer that made changes offline
// keeps and pushes them; a version 2 client that lacks the dropped
// history gets history_dropped, one that does not keeps syncing.
func TestSnapshotJoin(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.SnapshotAfter = 50; c.DropHistory = true })
	old := newClient(t, "s", "old") // version 2, synced before the drop
	old.run(relay.Dialer(tr.wsURL))
	w, wst := newSnapClient(t, "s", "writer")
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		wst.Write(payload(r, 1+r.IntN(300)))
	}
	w.run(relay.Dialer(tr.wsURL))
	info := snapshotHeld(t, tr, "s", 200)
	waitFor(t, "history dropped", 10*time.Second, func() bool {
		_, _, floor, _ := tr.store.Snapshot("s")
		return floor["writer"] == info.Version["writer"]
	})
	waitFor(t, "old client synced", 10*time.Second, func() bool { return old.store.Same(wst.MemStore) })
	wst.Write([]byte("after the snapshot"))
	w.sess.Notify()

	ws, wsStore := newSnapClient(t, "s", "newcomer")
	wsStore.Write([]byte("offline"))
	ws.run(relay.Dialer(tr.wsURL))
	hc, hStore := newSnapClient(t, "s", "http")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = hc.sess.RunPoll(ctx, httpPoller{url: tr.srv.URL + "/v1/sync"}, time.Second) }()
	waitFor(t, "newcomers converge", 10*time.Second, func() bool {
		return wsStore.Same(wst.MemStore) && hStore.Same(wst.MemStore) && wsStore.Pending() == 0 && hStore.Pending() == 0
	})
	if wsStore.Applied != 1 || hStore.Applied != 1 {
		t.Fatalf("snapshots applied: websocket %d, http %d", wsStore.Applied, hStore.Applied)
	}
	if err := tr.store.Check("s"); err != nil {
		t.Fatal(err)
	}
	w.halt()
	ws.halt()
	old.halt()

	late := newClient(t, "s", "late") // version 2, empty: lacks dropped changes
	late.run(relay.Dialer(tr.wsURL))
	waitFor(t, "history_dropped", 10*time.Second, func() bool {
		return errors.Is(late.sess.Status().LastError, hsync.ErrHistoryDropped)
	})
	late.halt()
}

// Without DropHistory the relay keeps every change: a version 2 client
// joins as before, and a version 3 newcomer still gets the snapshot.
func TestSnapshotKeepsHistory(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) { c.SnapshotAfter = 10 })
	w, wst := newSnapClient(t, "s", "writer")
	for i := range 40 {
		wst.Write([]byte(fmt.Sprint(i)))
	}
	w.run(relay.Dialer(tr.wsURL))
	defer w.halt()
	snapshotHeld(t, tr, "s", 40)
	old := newClient(t, "s", "old")
	old.run(relay.Dialer(tr.wsURL))
	defer old.halt()
	n, nst := newSnapClient(t, "s", "new")
	n.run(relay.Dialer(tr.wsURL))
	defer n.halt()
	waitFor(t, "both synced", 10*time.Second, func() bool { return old.store.Same(wst.MemStore) && nst.Same(wst.MemStore) })
	if nst.Applied != 1 {
		t.Fatalf("snapshots applied %d", nst.Applied)
	}
}

// With RetainHistory, the changes a snapshot covers stay until that long
// after it was stored, then are dropped.
func TestRetainHistoryDelays(t *testing.T) {
	tr := startRelay(t, func(c *relay.Config) {
		c.SnapshotAfter, c.DropHistory, c.RetainHistory = 5, true, 300*time.Millisecond
	})
	w, wst := newSnapClient(t, "s", "writer")
	for i := range 20 {
		wst.Write([]byte(fmt.Sprint(i)))
	}
	w.run(relay.Dialer(tr.wsURL))
	defer w.halt()
	info := snapshotHeld(t, tr, "s", 20)
	if _, _, floor, _ := tr.store.Snapshot("s"); len(floor) != 0 && time.Since(info.At) < 250*time.Millisecond {
		t.Fatalf("dropped at once: floor %v", floor)
	}
	waitFor(t, "history dropped after the retention", 5*time.Second, func() bool {
		_, _, floor, _ := tr.store.Snapshot("s")
		return floor["writer"] == info.Version["writer"]
	})
	if err := tr.store.Check("s"); err != nil {
		t.Fatal(err)
	}
}
