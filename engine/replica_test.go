package engine

import (
	"context"
	"fmt"
	"testing"
)

// The CRDT cache keeps no change log: sync reads the storage's, so a long
// session's commits do not pile up in memory, and sync still finds them all.
func TestReplicaKeepsNoChanges(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, NewMemoryStorage(), Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 100 {
		id := fmt.Sprint("d", i%10)
		if err := db.Commit(ctx, []Op{{Kind: OpPut, Collection: "todos", ID: id, Value: map[string]any{"id": id, "n": float64(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if kept := db.replica.ChangesSince(nil); len(kept) != 0 {
		t.Fatalf("the replica holds %d changes", len(kept))
	}
	envs, err := db.SyncStore(ctx, "").ChangesSince(nil, 1000)
	if err != nil || len(envs) != 100 {
		t.Fatalf("sync finds %d changes (%v), want 100", len(envs), err)
	}
}
