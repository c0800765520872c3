// Package storagetest is the conformance suite that every engine.Storage
// must pass: natively for engine.MemoryStorage, and in Chromium for the
// IndexedDB storage of package idb. Besides the storage's own methods, it
// runs the engine's change log on it (packing included).
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

// Opener returns a fresh, empty Storage. Calling it again with the same name
// must reopen the same data (reopen tests rely on it).
type Opener func(t *testing.T, name string) engine.Storage

// Run runs the whole suite against storages made by open.
func Run(t *testing.T, open Opener) {
	t.Run("GetMissing", func(t *testing.T) { testGetMissing(t, open) })
	t.Run("CommitGetScan", func(t *testing.T) { testCommitGetScan(t, open) })
	t.Run("ScanAnyKeyAndValue", func(t *testing.T) { testScanAnyKeyAndValue(t, open) })
	t.Run("GetMany", func(t *testing.T) { testGetMany(t, open) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, open) })
	t.Run("DeleteInBatch", func(t *testing.T) { testDeleteInBatch(t, open) })
	t.Run("BadBatchIsAtomic", func(t *testing.T) { testBadBatchIsAtomic(t, open) })
	t.Run("Reopen", func(t *testing.T) { testReopen(t, open) })
	t.Run("ClosedFails", func(t *testing.T) { testClosedFails(t, open) })
	t.Run("EveryStore", func(t *testing.T) { testEveryStore(t, open) })
	t.Run("LogHistory", func(t *testing.T) { testLogHistory(t, open) })
}

// testEveryStore writes a key into each store the engine uses, in one
// commit, and reads each back on its own: a store that is missing, or
// shares its keys with another, fails.
func testEveryStore(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	var writes []engine.Write
	for _, store := range engine.Stores {
		writes = append(writes, engine.Write{Store: store, Key: "k\x00" + store, Value: []byte(store)})
	}
	mustCommit(t, s, writes)
	for _, store := range engine.Stores {
		kvs, err := s.Scan(ctx, store, "k\x00")
		if err != nil {
			t.Fatalf("Scan(%s): %v", store, err)
		}
		if want := fmt.Sprintf("[k\x00%s=%s]", store, store); formatKVs(kvs) != want {
			t.Fatalf("store %s holds %q, want %q", store, formatKVs(kvs), want)
		}
	}
}

func testGetMissing(t *testing.T, open Opener) {
	s := open(t, t.Name())
	defer s.Close()
	_, err := s.Get(context.Background(), engine.StoreDocs, "nope")
	if !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
	}
}

func testCommitGetScan(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	writes := []engine.Write{
		{Store: engine.StoreDocs, Key: "b\x00", Value: []byte{}},
		{Store: engine.StoreDocs, Key: "a\x002", Value: []byte("two")},
		{Store: engine.StoreDocs, Key: "a\x001", Value: []byte{0, 1, 255}},
		{Store: engine.StoreDocs, Key: "ab\x001", Value: []byte("other collection")},
		{Store: engine.StoreMeta, Key: "a\x001", Value: []byte("meta")},
	}
	mustCommit(t, s, writes)
	got, err := s.Get(ctx, engine.StoreDocs, "a\x001")
	if err != nil || !bytes.Equal(got, []byte{0, 1, 255}) {
		t.Fatalf("Get = %v, %v; want [0 1 255]", got, err)
	}
	if got, err := s.Get(ctx, engine.StoreDocs, "b\x00"); err != nil || len(got) != 0 {
		t.Fatalf("Get(empty value) = %v, %v; want empty, nil", got, err)
	}
	kvs, err := s.Scan(ctx, engine.StoreDocs, "a\x00")
	if err != nil {
		t.Fatal(err)
	}
	if want := "[a\x001=\x00\x01\xff a\x002=two]"; formatKVs(kvs) != want {
		t.Fatalf("Scan = %q, want %q", formatKVs(kvs), want)
	}
	all, err := s.Scan(ctx, engine.StoreDocs, "")
	if err != nil || len(all) != 4 {
		t.Fatalf("Scan(all) = %d pairs, %v; want 4", len(all), err)
	}
}

func testGetMany(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	mustCommit(t, s, []engine.Write{
		{Store: engine.StoreDocs, Key: "a", Value: []byte("A")},
		{Store: engine.StoreDocs, Key: "e", Value: []byte{}},
	})
	got, err := s.GetMany(ctx, engine.StoreDocs, []string{"a", "missing", "e", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || string(got[0]) != "A" || got[1] != nil || got[2] == nil || len(got[2]) != 0 || string(got[3]) != "A" {
		t.Fatalf("GetMany = %q, want [A <nil> [] A]", got)
	}
	if got, err := s.GetMany(ctx, engine.StoreDocs, nil); err != nil || len(got) != 0 {
		t.Fatalf("GetMany(no keys) = %v, %v", got, err)
	}
}

func testKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	var writes []engine.Write
	for _, k := range []string{"c\x00b", "c\x00a!", "c\x00a", "c\x00a\x00z", "c\x00b~", "d\x00a", "b\x00z"} {
		writes = append(writes, engine.Write{Store: engine.StoreIndex, Key: k, Value: []byte{}})
	}
	mustCommit(t, s, writes)
	for _, tc := range []struct {
		lo, hi  string
		reverse bool
		limit   int
		want    string
	}{
		{"c\x00", "c\x01", false, 0, "[c\x00a c\x00a\x00z c\x00a! c\x00b c\x00b~]"},
		{"c\x00", "c\x01", true, 0, "[c\x00b~ c\x00b c\x00a! c\x00a\x00z c\x00a]"},
		{"c\x00", "c\x01", false, 2, "[c\x00a c\x00a\x00z]"},
		{"c\x00", "c\x01", true, 2, "[c\x00b~ c\x00b]"},
		{"c\x00a\x00", "c\x00b", false, 0, "[c\x00a\x00z c\x00a!]"},
		{"c\x00a\x00", "c\x00b", true, 1, "[c\x00a!]"},
		{"c\x00b", "", false, 0, "[c\x00b c\x00b~ d\x00a]"},
		{"", "", true, 1, "[d\x00a]"},
		{"x", "", false, 0, "[]"},
	} {
		got, err := s.Keys(ctx, engine.StoreIndex, tc.lo, tc.hi, tc.reverse, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if g := fmt.Sprintf("%v", got); g != tc.want {
			t.Errorf("Keys(%q, %q, reverse=%v, limit=%d) = %q, want %q", tc.lo, tc.hi, tc.reverse, tc.limit, g, tc.want)
		}
	}
}

func testDeleteInBatch(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	mustCommit(t, s, []engine.Write{{Store: engine.StoreDocs, Key: "k", Value: []byte("v")}})
	mustCommit(t, s, []engine.Write{
		{Store: engine.StoreDocs, Key: "k"},
		{Store: engine.StoreDocs, Key: "never-existed"},
	})
	if _, err := s.Get(ctx, engine.StoreDocs, "k"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("Get(deleted) error = %v, want ErrNotFound", err)
	}
}

func testBadBatchIsAtomic(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	mustCommit(t, s, []engine.Write{{Store: engine.StoreDocs, Key: "keep", Value: []byte("old")}})
	err := s.Commit(ctx, []engine.Write{
		{Store: engine.StoreDocs, Key: "keep", Value: []byte("new")},
		{Store: engine.StoreDocs, Key: "added", Value: []byte("x")},
		{Store: "no-such-store", Key: "k", Value: []byte("x")},
	})
	if err == nil {
		t.Fatal("Commit to an unknown store succeeded")
	}
	if got, err := s.Get(ctx, engine.StoreDocs, "keep"); err != nil || string(got) != "old" {
		t.Fatalf("after failed batch Get(keep) = %q, %v; want old", got, err)
	}
	if _, err := s.Get(ctx, engine.StoreDocs, "added"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("after failed batch Get(added) error = %v, want ErrNotFound", err)
	}
}

// testScanAnyKeyAndValue: keys outside ASCII and values empty or large
// come back from a scan as they were written.
func testScanAnyKeyAndValue(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	defer s.Close()
	big := make([]byte, 100_000)
	for i := range big {
		big[i] = byte(i)
	}
	want := []engine.KV{{Key: "u\x00a", Value: []byte{}}, {Key: "u\x00big", Value: big}, {Key: "u\x00é", Value: []byte{0}}, {Key: "u\x00😀 x", Value: []byte("v")}}
	var writes []engine.Write
	for _, kv := range want {
		writes = append(writes, engine.Write{Store: engine.StoreDocs, Key: kv.Key, Value: kv.Value})
	}
	mustCommit(t, s, writes)
	kvs, err := s.Scan(ctx, engine.StoreDocs, "u\x00")
	if err != nil || len(kvs) != len(want) {
		t.Fatalf("Scan = %d pairs, %v; want %d", len(kvs), err, len(want))
	}
	for i, kv := range kvs {
		if kv.Key != want[i].Key || string(kv.Value) != string(want[i].Value) {
			t.Fatalf("pair %d = %q (%d bytes), want %q (%d bytes)", i, kv.Key, len(kv.Value), want[i].Key, len(want[i].Value))
		}
	}
}

func testReopen(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.Name())
	const n = 2500 // more than one page of a paged scan
	writes := make([]engine.Write, n)
	for i := range writes {
		writes[i] = engine.Write{Store: engine.StoreDocs, Key: fmt.Sprintf("c\x00%04d", i), Value: []byte(fmt.Sprint(i))}
	}
	mustCommit(t, s, writes)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, t.Name())
	defer s.Close()
	kvs, err := s.Scan(ctx, engine.StoreDocs, "c\x00")
	if err != nil || len(kvs) != n {
		t.Fatalf("after reopen Scan = %d pairs, %v; want %d", len(kvs), err, n)
	}
	for i, kv := range kvs {
		if kv.Key != fmt.Sprintf("c\x00%04d", i) || string(kv.Value) != fmt.Sprint(i) {
			t.Fatalf("pair %d = %q=%q", i, kv.Key, kv.Value)
		}
	}
	if p, ok := s.(engine.PageScanner); ok {
		var pages []engine.KV
		err := p.ScanPages(ctx, engine.StoreDocs, "c\x00", func(page []engine.KV) error {
			if len(page) == 0 {
				t.Fatal("ScanPages handed over an empty page")
			}
			pages = append(pages, page...)
			return nil
		})
		if err != nil || !reflect.DeepEqual(pages, kvs) {
			t.Fatalf("ScanPages = %d pairs, %v; want Scan's %d", len(pages), err, len(kvs))
		}
		stop := errors.New("stop")
		if err := p.ScanPages(ctx, engine.StoreDocs, "c\x00", func([]engine.KV) error { return stop }); err != stop {
			t.Fatalf("ScanPages returned %v, not fn's error", err)
		}
	}
}

func testClosedFails(t *testing.T, open Opener) {
	s := open(t, t.Name())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(context.Background(), engine.StoreDocs, "k"); err == nil {
		t.Fatal("Get after Close succeeded")
	}
	if err := s.Commit(context.Background(), []engine.Write{{Store: engine.StoreDocs, Key: "k", Value: []byte("v")}}); err == nil {
		t.Fatal("Commit after Close succeeded")
	}
}

func mustCommit(t *testing.T, s engine.Storage, writes []engine.Write) {
	t.Helper()
	if err := s.Commit(context.Background(), writes); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func formatKVs(kvs []engine.KV) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", kv.Key, kv.Value)
	}
	b.WriteByte(']')
	return b.String()
}
