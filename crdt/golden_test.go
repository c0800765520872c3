package crdt

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var flagUpdate = flag.Bool("crdt.update", false, "rewrite the golden fixtures in testdata/")

// goldenScenario builds a small deterministic database touching every kind
// of value; testdata/README.md says what produced the fixtures.
func goldenScenario(tb testing.TB) (*Replica, *Change) {
	tb.Helper()
	r := mustReplica(tb, "alice")
	b := mustReplica(tb, "bob")
	c1, _, err := r.Transact(func(tx *Tx) error {
		return tx.Put("todos", "t1", map[string]any{
			"title": "Buy milk", "done": false, "prio": int64(2), "weight": 1.5,
			"notes": Text("hello world"), "votes": Counter(3),
			"tags": []any{"home", int64(7), map[string]any{"k": "v"}},
			"meta": map[string]any{"owner": "alice", "nil": nil},
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := b.Apply(c1); err != nil {
		tb.Fatal(err)
	}
	c2, _, err := b.Transact(func(tx *Tx) error {
		if err := tx.InsertText("todos", "t1", []string{"notes"}, 5, ", dear"); err != nil {
			return err
		}
		if err := tx.Increment("todos", "t1", []string{"votes"}, 2); err != nil {
			return err
		}
		return tx.DeleteList("todos", "t1", []string{"tags"}, 0, 1)
	})
	if err != nil {
		tb.Fatal(err)
	}
	c3, _, err := r.Transact(func(tx *Tx) error {
		if err := tx.DeleteText("todos", "t1", []string{"notes"}, 0, 1); err != nil {
			return err
		}
		if err := tx.Set("todos", "t2", []string{"title"}, "gone"); err != nil {
			return err
		}
		return tx.DeleteField("todos", "t1", []string{"done"})
	})
	if err != nil {
		tb.Fatal(err)
	}
	c4, _, err := r.Transact(func(tx *Tx) error { return tx.DeleteDoc("todos", "t2") })
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := r.Apply(c2); err != nil {
		tb.Fatal(err)
	}
	_, _ = c3, c4
	return r, c2
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *flagUpdate {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -crdt.update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: encoding changed (%d bytes, fixture %d); the format is pinned: bump formatVersion (changes) or snapshotVersion (snapshots), or fix the encoder", name, len(got), len(want))
	}
}

func TestGoldenChange(t *testing.T) {
	_, c := goldenScenario(t)
	checkGolden(t, "change-v1.bin", EncodeChange(c))
	data, _ := os.ReadFile(filepath.Join("testdata", "change-v1.bin"))
	d, err := DecodeChange(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(EncodeChange(d), data) {
		t.Fatal("decoded fixture re-encodes differently")
	}
}

func TestGoldenSnapshot(t *testing.T) {
	r, _ := goldenScenario(t)
	checkGolden(t, "snapshot-v2.bin", r.EncodeSnapshot())
	data, _ := os.ReadFile(filepath.Join("testdata", "snapshot-v2.bin"))
	l, err := LoadSnapshot("carol", data)
	if err != nil {
		t.Fatal(err)
	}
	checkGoldenDocs(t, l)
	if !bytes.Equal(l.EncodeSnapshot(), data) {
		t.Fatal("loaded fixture re-encodes differently")
	}
}

// TestGoldenSnapshotV1Loads: a snapshot of format 1 (documents without a
// creation stamp), written before format 2, still loads and reads the
// same; saved again, it is format 2 and loads to the same documents.
func TestGoldenSnapshotV1Loads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "snapshot-v1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := LoadSnapshot("carol", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	checkGoldenDocs(t, l)
	again, err := LoadSnapshot("carol", l.EncodeSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	checkGoldenDocs(t, again)
	if !reflect.DeepEqual(allDocs(again), allDocs(l)) {
		t.Fatal("format 1 snapshot saved as format 2 reads differently")
	}
}

// checkGoldenDocs checks the documents of goldenScenario's replica.
func checkGoldenDocs(t *testing.T, l *Replica) {
	t.Helper()
	got, _ := l.Get("todos", "t1")
	want := map[string]any{
		"title": "Buy milk", "prio": int64(2), "weight": 1.5,
		"notes": "ello, dear world", "votes": int64(5),
		"tags": []any{int64(7), map[string]any{"k": "v"}},
		"meta": map[string]any{"owner": "alice", "nil": nil},
	}
	if !equalValues(got, want) {
		t.Fatalf("fixture document:\n got %#v\nwant %#v", got, want)
	}
	if _, ok := l.Get("todos", "t2"); ok {
		t.Fatal("deleted document present")
	}
}

// equalValues compares documents with reflect.DeepEqual semantics.
func equalValues(a, b any) bool { return reflect.DeepEqual(a, b) }

// TestLoadRaisesLaggingCounters: a snapshot whose stored counters lag the
// IDs in its documents cannot let a later change reuse those IDs.
func TestLoadRaisesLaggingCounters(t *testing.T) {
	r, _ := goldenScenario(t)
	r.dropOwn() // the maps hold alice's counter, and nothing else will write it
	want := r.nextCtr["alice"]
	r.nextCtr = map[ActorID]uint64{}
	l, err := LoadSnapshot("carol", r.EncodeSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	if got := l.nextCtr["alice"]; got == 0 || got > want {
		t.Fatalf("next counter of alice %d, want 1..%d", got, want)
	}
}
