package engine_test

import (
	"context"
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
