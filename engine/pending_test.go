package engine_test

import (
	"errors"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	hsync "github.com/hearthdb/hearth/sync"
)

// Pending counts the changes the acknowledged vector does not cover, local
// or received, with or without a sync session, and after a reopen.
func TestPendingCountsUnackedChanges(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	want := func(db *engine.DB, n int, when string) {
		t.Helper()
		if got := db.Pending(); got != n {
			t.Fatalf("%s: Pending() = %d, want %d", when, got, n)
		}
		if got := db.SyncStore(ctx, "").Pending(); got != n {
			t.Fatalf("%s: the sync store's Pending() = %d, want %d", when, got, n)
		}
	}
	want(db, 0, "new database")
	for _, id := range []string{"a", "b", "c"} {
		if err := db.Commit(ctx, []engine.Op{put("c", map[string]any{"id": id})}); err != nil {
			t.Fatal(err)
		}
	}
	want(db, 3, "three commits")
	me := db.Actor()
	s := db.SyncStore(ctx, "")
	if err := s.SetAcked(crdt.VersionVector{me: 2}); err != nil {
		t.Fatal(err)
	}
	want(db, 1, "two acknowledged")

	other := openDB(t, engine.NewMemoryStorage())
	defer other.Close()
	if err := other.Commit(ctx, []engine.Op{put("c", map[string]any{"id": "x"})}); err != nil {
		t.Fatal(err)
	}
	envs, err := other.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 10)
	if err != nil || len(envs) != 1 {
		t.Fatalf("other's changes: %v, %v", envs, err)
	}
	if err := s.ApplyRemote(envs); err != nil {
		t.Fatal(err)
	}
	want(db, 2, "a change from another replica, not acknowledged yet")
	if err := s.SetAcked(crdt.VersionVector{me: 2, other.Actor(): 1}); err != nil {
		t.Fatal(err)
	}
	want(db, 1, "the received change acknowledged")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, mem.Reopen())
	defer db.Close()
	want(db, 1, "after a reopen")
}

// A change the replica cannot decode is the relay's fault, and says so to
// the sync session (code invalid_change, not storage).
func TestApplyRemoteMarksInvalidChanges(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	err := db.SyncStore(ctx, "").ApplyRemote([]hsync.Envelope{{Actor: "x", Seq: 1, Payload: []byte{0xc1}}})
	if !errors.Is(err, hsync.ErrInvalidChange) || !errors.Is(err, engine.ErrInvalidChange) || hsync.ErrorCode(err) != "invalid_change" {
		t.Fatalf("ApplyRemote(garbage) = %v", err)
	}
}
