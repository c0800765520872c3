package engine_test

import (
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
)

// Commits stored together make one log record; sync reads them back one by
// one, from any seq and in pages, and acknowledged changes stay readable (a
// relay that loses them is sent them again).
func TestLogRecordsHoldRuns(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	defer db.Close()
	var txs [][]engine.Op
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		txs = append(txs, []engine.Op{put("c", map[string]any{"id": id})})
	}
	for _, err := range db.CommitEach(ctx, txs) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if log, _ := mem.Scan(ctx, engine.StoreLog, ""); len(log) != 1 {
		t.Fatalf("five commits stored together made %d log records, want 1", len(log))
	}
	s := db.SyncStore(ctx, "")
	me := db.Actor()
	seqs := func(vv crdt.VersionVector, limit int) []uint64 {
		t.Helper()
		envs, err := s.ChangesSince(vv, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for _, e := range envs {
			c, err := crdt.DecodeChange(e.Payload)
			if err != nil || c.Seq != e.Seq || c.Actor != me {
				t.Fatalf("envelope %d carries %v (%v)", e.Seq, c, err)
			}
			out = append(out, e.Seq)
		}
		return out
	}
	if got := seqs(crdt.VersionVector{}, 3); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("first page = %v, want [1 2 3]", got)
	}
	if got := seqs(crdt.VersionVector{me: 3}, 10); len(got) != 2 || got[0] != 4 {
		t.Fatalf("after 3 = %v, want [4 5]", got)
	}
	if err := s.SetAcked(crdt.VersionVector{me: 3}); err != nil {
		t.Fatal(err)
	}
	if got := seqs(crdt.VersionVector{me: 3}, 10); len(got) != 2 {
		t.Fatalf("after acknowledging 3 of the record's 5 changes, sync reads %v, want [4 5]", got)
	}
	if err := s.SetAcked(crdt.VersionVector{me: 5}); err != nil {
		t.Fatal(err)
	}
	if got := seqs(crdt.VersionVector{}, 10); len(got) != 5 {
		t.Fatalf("after acknowledging every change sync reads %v, want [1 2 3 4 5]", got)
	}
}

// A log record of a kilobyte or more is stored compressed, and sync reads
// back the very bytes each change encodes to: here a burst of keystrokes
// (one change) and, in the same record, a put.
func TestLargeLogRecordsArePacked(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	defer db.Close()
	commit(t, db, put("notes", map[string]any{"id": "n", "body": map[string]any{"$hearth": "text", "value": ""}}))
	var txs [][]engine.Op
	for i := range 3000 {
		txs = append(txs, []engine.Op{insertText("n", i, "abcdefgh"[i%8:i%8+1])})
	}
	txs = append(txs, []engine.Op{put("c", map[string]any{"id": "x"})})
	for _, err := range db.CommitEach(ctx, txs) {
		if err != nil {
			t.Fatal(err)
		}
	}
	log, _ := mem.Scan(ctx, engine.StoreLog, "")
	raw := 0
	envs, err := db.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 100)
	if err != nil || len(envs) != 3 {
		t.Fatalf("sync reads %d changes (%v), want the put, the burst and the put", len(envs), err)
	}
	for _, e := range envs {
		c, err := crdt.DecodeChange(e.Payload)
		if err != nil || string(crdt.EncodeChange(c)) != string(e.Payload) {
			t.Fatalf("change %d does not read back as its encoding: %v", e.Seq, err)
		}
		raw += len(e.Payload)
	}
	stored := len(log[len(log)-1].Value)
	if stored*3 > raw {
		t.Fatalf("the burst's record holds %d bytes for %d bytes of changes: not packed", stored, raw)
	}
}
