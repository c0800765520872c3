package engine_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

// Two databases sync through a real relay (in process, over WebSocket):
// offline edits on both sides converge, and acknowledged changes leave the
// local log.
func TestSyncThroughRelay(t *testing.T) {
	st, err := relay.OpenStore(filepath.Join(t.TempDir(), "relay.db"), relay.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := relay.New(relay.Config{Store: st, Open: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/ws"

	mems := []*engine.MemoryStorage{engine.NewMemoryStorage(), engine.NewMemoryStorage()}
	dbs := []*engine.DB{openDB(t, mems[0]), openDB(t, mems[1])}
	// Offline edits on both sides, to the same documents.
	commit(t, dbs[0], put("c", map[string]any{"id": "shared", "a": 1.0, "n": map[string]any{"$hearth": "counter", "value": 0.0}}))
	for i, db := range dbs {
		for j := range 20 {
			commit(t, db, put("c", map[string]any{"id": "own" + string(rune('A'+i)) + string(rune('a'+j%5)), "j": float64(j)}))
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sessions := make([]*hsync.Session, 2)
	for i, db := range dbs {
		s, err := hsync.NewSession(hsync.Config{Space: "test"}, db.SyncStore(ctx, ""))
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
		go s.Run(ctx, relay.Dialer(wsURL))
	}
	waitFor(t, func() bool {
		v0, _ := dbs[0].Version(ctx)
		v1, _ := dbs[1].Version(ctx)
		return v0.Equal(v1) && sessions[0].Status().State == hsync.Synced && sessions[1].Status().State == hsync.Synced
	})
	// Live: an increment on each side, announced with Notify.
	for i, db := range dbs {
		commit(t, db, engine.Op{Kind: engine.OpIncrement, Collection: "c", ID: "shared", Path: []string{"n"}, Delta: 1})
		sessions[i].Notify()
	}
	waitFor(t, func() bool {
		return get(t, dbs[0], "c", "shared")["n"] == int64(2) && get(t, dbs[1], "c", "shared")["n"] == int64(2)
	})
	if a, b := all(t, dbs[0], "c"), all(t, dbs[1], "c"); !reflect.DeepEqual(a, b) || len(a) != 11 {
		t.Fatalf("after sync: %d and %d documents, equal %v", len(a), len(b), reflect.DeepEqual(a, b))
	}
	waitFor(t, func() bool { return sessions[0].Status().Pending == 0 && sessions[1].Status().Pending == 0 })
	for i := range mems {
		acked, err := dbs[i].SyncStore(ctx, "").Acked()
		if err != nil || acked.Get(dbs[i].Actor()) == 0 {
			t.Fatalf("replica %d acked %v, %v", i, acked, err)
		}
	}
	// A third replica that joins later gets everything from the relay.
	late := openDB(t, engine.NewMemoryStorage())
	s, _ := hsync.NewSession(hsync.Config{Space: "test"}, late.SyncStore(ctx, ""))
	go s.Run(ctx, relay.Dialer(wsURL))
	waitFor(t, func() bool { return reflect.DeepEqual(all(t, late, "c"), all(t, dbs[0], "c")) })
	v0, err := dbs[0].Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := late.Version(ctx); err != nil || !v.Equal(v0) {
		t.Fatalf("late replica version %v (%v), want %v", v, err, v0)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A relay sends changes per actor, not in causal order, so a batch can
// end before what its changes depend on. Found by the fault simulation
// (relay/simtest, -sim.batch=5): the engine kept such changes unapplied
// and out of the vector the session announced, so a relay re-sent the
// same batch for ever (HTTP) or the next batch met a seq gap (WebSocket),
// and a fresh replica never caught up.
func TestCatchUpAcrossCausalBatches(t *testing.T) {
	st, err := relay.OpenStore(filepath.Join(t.TempDir(), "relay.db"), relay.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := relay.Config{Store: st, Open: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg.Limits.MaxBatch = 2
	r, err := relay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/ws"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// p and q each write three changes after all of the other's, so
	// whichever actor the relay reads first, its later changes depend on
	// the other's, which a batch of two never holds.
	p, q := openDB(t, engine.NewMemoryStorage()), openDB(t, engine.NewMemoryStorage())
	exchange := func(from, to *engine.DB) {
		have, _ := to.Version(ctx)
		envs, err := from.SyncStore(ctx, "").ChangesSince(have, 100)
		if err == nil {
			err = to.SyncStore(ctx, "").ApplyRemote(envs)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for round := range 3 {
		for i, db := range []*engine.DB{p, q} {
			for j := range 3 {
				commit(t, db, put("c", map[string]any{"id": fmt.Sprintf("%d-%d-%d", round, i, j)}))
			}
			exchange(db, []*engine.DB{q, p}[i])
		}
	}
	for _, db := range []*engine.DB{p, q} {
		s, _ := hsync.NewSession(hsync.Config{Space: "s"}, db.SyncStore(ctx, ""))
		go s.Run(ctx, relay.Dialer(wsURL))
	}
	want, _ := p.Version(ctx)
	waitFor(t, func() bool { v, _ := st.Version("s"); return v.Equal(want) })

	fresh := openDB(t, engine.NewMemoryStorage())
	s, _ := hsync.NewSession(hsync.Config{Space: "s"}, fresh.SyncStore(ctx, ""))
	go s.Run(ctx, relay.Dialer(wsURL))
	waitFor(t, func() bool { v, _ := fresh.Version(ctx); return v.Equal(want) })
	if got := all(t, fresh, "c"); len(got) != 18 {
		t.Fatalf("fresh replica reads %d documents, want 18", len(got))
	}
}
