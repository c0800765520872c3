package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	hsync "github.com/hearthdb/hearth/sync"
)

// testLogHistory runs a database on the storage: another replica's 1,300
// changes arrive ten at a time (a log record each), then the log is
// packed. Every change stays readable, byte for byte, from any seq on, in
// far fewer records, also after a reopen.
func testLogHistory(t *testing.T, open Opener) {
	ctx := context.Background()
	src, err := engine.Open(ctx, engine.NewMemoryStorage(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const n = 1300 // two packed records of 52 records (520 changes) and a tail
	for i := range n {
		id := fmt.Sprint(i % 40)
		op := engine.Op{Kind: engine.OpPut, Collection: "c", ID: id, Value: map[string]any{"id": id, "n": float64(i)}}
		if err := src.Commit(ctx, []engine.Op{op}); err != nil {
			t.Fatal(err)
		}
	}
	want := readLog(t, src.SyncStore(ctx, ""), crdt.VersionVector{})
	st := open(t, t.Name())
	db, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 10 {
		if err := db.SyncStore(ctx, "").ApplyRemote(want[i : i+10]); err != nil {
			t.Fatal(err)
		}
	}
	if got := readLog(t, db.SyncStore(ctx, ""), crdt.VersionVector{}); len(got) != n {
		t.Fatalf("log holds %d changes, want %d", len(got), n)
	}
	for more := true; more; {
		if more, err = db.PackLog(ctx); err != nil {
			t.Fatal(err)
		}
	}
	checkLog(t, db.SyncStore(ctx, ""), want)
	if keys, err := st.Keys(ctx, engine.StoreLog, "", "", false, 0); err != nil || len(keys) != 2+26 {
		t.Fatalf("after packing the log has %d records (%v), want 2 packed and 26 others", len(keys), err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = engine.Open(ctx, open(t, t.Name()), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkLog(t, db.SyncStore(ctx, ""), want)
}

// readLog reads every change after vv, in pages as a sync session does.
func readLog(t *testing.T, s hsync.LocalStore, vv crdt.VersionVector) []hsync.Envelope {
	t.Helper()
	vv = vv.Clone()
	var out []hsync.Envelope
	for {
		envs, err := s.ChangesSince(vv, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(envs) == 0 {
			return out
		}
		out = append(out, envs...)
		vv.Merge(hsync.VersionOf(envs))
	}
}

// checkLog checks that s reads want from its start and from seqs around
// the packed records' edges.
func checkLog(t *testing.T, s hsync.LocalStore, want []hsync.Envelope) {
	t.Helper()
	for _, from := range []int{0, 1, 255, 519, 520, 521, 1039, 1040, 1041, len(want) - 1} {
		vv := crdt.VersionVector{}
		if from > 0 {
			vv[want[from-1].Actor] = want[from-1].Seq
		}
		got := readLog(t, s, vv)
		if len(got) != len(want)-from {
			t.Fatalf("from %d: read %d changes, want %d", from, len(got), len(want)-from)
		}
		for i, e := range got {
			w := want[from+i]
			if e.Actor != w.Actor || e.Seq != w.Seq || !bytes.Equal(e.Payload, w.Payload) {
				t.Fatalf("from %d: change %d is %s/%d, want %s/%d with the same bytes", from, i, e.Actor, e.Seq, w.Actor, w.Seq)
			}
		}
	}
}
