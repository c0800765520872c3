package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	hsync "github.com/hearthdb/hearth/sync"
)

// commitMany makes n commits stored one by one: a log record each.
func commitMany(t *testing.T, db *engine.DB, n int) {
	t.Helper()
	for i := range n {
		commit(t, db, put("c", map[string]any{"id": fmt.Sprint(i % 7), "n": float64(i)}))
	}
}

func changes(t *testing.T, db *engine.DB, vv crdt.VersionVector) ([]hsync.Envelope, error) {
	t.Helper()
	vv = vv.Clone()
	var out []hsync.Envelope
	for {
		envs, err := db.SyncStore(ctx, "").ChangesSince(vv, 300)
		if err != nil || len(envs) == 0 {
			return out, err
		}
		out = append(out, envs...)
		vv.Merge(hsync.VersionOf(envs))
	}
}

func logRecords(t *testing.T, s engine.Storage) int {
	t.Helper()
	keys, err := s.Keys(ctx, engine.StoreLog, "", "", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

// packAll runs PackLog until it has nothing left.
func packAll(t *testing.T, db *engine.DB) {
	t.Helper()
	for more := true; more; {
		var err error
		if more, err = db.PackLog(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// noPacking refuses the storage commits of log packing (those that write
// a packed record) while on, as a crash during them would: the commit is
// atomic, so the records stay as they were.
type noPacking struct {
	*engine.MemoryStorage
	on atomic.Bool
}

func (s *noPacking) Commit(ctx context.Context, writes []engine.Write) error {
	for _, w := range writes {
		if s.on.Load() && w.Store == engine.StoreLog && len(w.Value) > 1 && w.Value[0] == 0xc1 && w.Value[1] == 0 {
			return engine.ErrQuotaExceeded
		}
	}
	return s.MemoryStorage.Commit(ctx, writes)
}

// A pass whose storage commit fails (a crash, a full disk) leaves the log
// as it was, every change readable; the next pass packs it.
func TestPackLogInterrupted(t *testing.T) {
	fs := &noPacking{MemoryStorage: engine.NewMemoryStorage()}
	fs.on.Store(true) // background passes fail too
	db := openDB(t, fs)
	defer db.Close()
	commitMany(t, db, 200)
	if _, err := db.PackLog(ctx); err != nil {
		t.Fatalf("PackLog with too few changes to pack: %v", err)
	}
	commitMany(t, db, 400)
	if _, err := db.PackLog(ctx); !errors.Is(err, engine.ErrQuotaExceeded) {
		t.Fatalf("PackLog on a failing storage = %v", err)
	}
	if n := logRecords(t, fs); n != 600 {
		t.Fatalf("%d log records after a failed pass, want 600", n)
	}
	fs.on.Store(false)
	envs, err := changes(t, db, nil)
	if err != nil || len(envs) != 600 {
		t.Fatalf("after the failed pass: %d changes, %v", len(envs), err)
	}
	packAll(t, db)
	if n := logRecords(t, fs); n > 600-512+1 {
		t.Fatalf("%d log records after packing", n)
	}
	again, err := changes(t, db, nil)
	if err != nil || len(again) != 600 || string(again[599].Payload) != string(envs[599].Payload) {
		t.Fatalf("after packing: %d changes, %v", len(again), err)
	}
}

// The engine packs by itself, in the background, as records accumulate;
// changes from other actors are packed too.
func TestPackLogInBackground(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	defer db.Close()
	other := openDB(t, engine.NewMemoryStorage())
	defer other.Close()
	commitMany(t, other, 600)
	theirs, err := changes(t, other, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range theirs { // one remote change per storage commit
		c, err := crdt.DecodeChange(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyRemote(ctx, []*crdt.Change{c}); err != nil {
			t.Fatal(err)
		}
	}
	commitMany(t, db, 600)
	waitFor(t, func() bool { return logRecords(t, mem) <= 1200-511 }) // a pass packed 512 of the other actor's
	packAll(t, db)
	envs, err := changes(t, db, nil)
	if err != nil || len(envs) != 1200 {
		t.Fatalf("%d changes, %v", len(envs), err)
	}
	got, err := changes(t, db, crdt.VersionVector{db.Actor(): 600})
	if err != nil || len(got) != 600 || got[0].Actor != other.Actor() || string(got[599].Payload) != string(theirs[599].Payload) {
		t.Fatalf("the other actor's changes: %d, %v", len(got), err)
	}
}

// A log that an older version trimmed (it deleted records the relay had
// acknowledged) still packs; reading across the hole reports
// ErrHistoryMissing, and after it works.
func TestPackLogWithHoles(t *testing.T) {
	mem := &noPacking{MemoryStorage: engine.NewMemoryStorage()}
	mem.on.Store(true)
	db := openDB(t, mem)
	commitMany(t, db, 1200)
	me := db.Actor()
	db.Close() // waits for a background pass in flight, which would not see the trim
	var trim []engine.Write
	for seq := uint64(1); seq <= 300; seq++ {
		trim = append(trim, engine.Write{Store: engine.StoreLog, Key: engine.LogKey(me, seq)})
	}
	store := mem.Reopen() // packing allowed from here on
	if err := store.Commit(context.Background(), trim); err != nil {
		t.Fatal(err)
	}
	db = openDB(t, store)
	defer db.Close()
	packAll(t, db)
	if _, err := changes(t, db, nil); !errors.Is(err, hsync.ErrHistoryMissing) {
		t.Fatalf("reading from seq 1 = %v, want ErrHistoryMissing", err)
	}
	got, err := changes(t, db, crdt.VersionVector{me: 300})
	if err != nil || len(got) != 900 || got[0].Seq != 301 {
		t.Fatalf("after the hole: %d changes, %v", len(got), err)
	}
	if n := logRecords(t, store); n > 900-512+1 {
		t.Fatalf("%d log records after packing", n)
	}
}
