package engine_test

import (
	"fmt"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
)

// A storage commit of local changes writes the document, the log record
// and the commit counter, not the replica's metadata; a reopened database
// goes on from the log: its next change follows the last, and the one
// after a remote change counts it.
func TestLocalCommitsCatchUpFromTheLog(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	commit(t, db, put("c", map[string]any{"id": "warm"}))
	before := db.StorageStats()
	for i := range 5 {
		commit(t, db, put("c", map[string]any{"id": fmt.Sprint(i)}))
	}
	if got := db.StorageStats().Writes - before.Writes; got != 15 {
		t.Fatalf("5 local commits wrote %d values, want 15 (document, log record, counter)", got)
	}
	db.Close()

	// Another replica's change, applied after the reopen, is stored with
	// the metadata; local changes follow it.
	other, err := engine.Open(ctx, engine.NewMemoryStorage(), engine.Options{Clock: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	commit(t, other, put("c", map[string]any{"id": "remote"}))
	remote, err := other.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 10)
	if err != nil || len(remote) != 1 {
		t.Fatalf("remote changes %v %v", remote, err)
	}
	other.Close()

	db = openDB(t, mem.Reopen())
	if v, err := db.Version(ctx); err != nil || v.Get(db.Actor()) != 6 {
		t.Fatalf("version after reopen %v %v, want seq 6", v, err)
	}
	commit(t, db, put("c", map[string]any{"id": "seven"}))
	if err := db.SyncStore(ctx, "").ApplyRemote(remote); err != nil {
		t.Fatal(err)
	}
	commit(t, db, put("c", map[string]any{"id": "eight"}))
	db.Close()

	db = openDB(t, mem.Reopen())
	defer db.Close()
	commit(t, db, put("c", map[string]any{"id": "nine"}))
	envs, err := db.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[crdt.ActorID][]uint64{}
	for _, e := range envs {
		seqs[e.Actor] = append(seqs[e.Actor], e.Seq)
	}
	if got := fmt.Sprint(seqs[db.Actor()]); got != "[1 2 3 4 5 6 7 8 9]" || len(seqs) != 2 {
		t.Fatalf("local seqs %s, actors %d", got, len(seqs))
	}
	if n := len(all(t, db, "c")); n != 10 {
		t.Fatalf("%d documents, want 10", n)
	}
}
