//go:build js && wasm

package idb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/engine/storagetest"
	"github.com/hearthdb/hearth/idb"
	"github.com/hearthdb/hearth/query"
)

func TestIndexedDBConformance(t *testing.T) {
	storagetest.Run(t, openStorage)
}

// Browsers without getAllKeys' direction option read keys backwards with a
// cursor.
func TestIndexedDBConformanceWithKeyCursor(t *testing.T) {
	defer idb.UseKeyCursor()()
	storagetest.Run(t, func(t *testing.T, name string) engine.Storage { return openStorage(t, "cursor-"+name) })
}

// Where the page forbids making the batch function, commits go through
// go-indexeddb a write at a time.
func TestIndexedDBConformancePerWrite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, name string) engine.Storage {
		return idb.CommitPerWrite(openStorage(t, "per-write-"+name))
	})
}

// Keys cross into JS as UTF-8 in the batch buffer: any string comes back
// as it went, and a failed batch (a store that does not exist) stores
// nothing and says why.
func TestBatchCommitKeysAndFailure(t *testing.T) {
	ctx := context.Background()
	s := openStorage(t, "batch-keys")
	defer s.Close()
	keys := []string{"plain", "é\x00ü", "日本語", "emoji 🎉", strings.Repeat("k", 300), ""}
	var writes []engine.Write
	for i, k := range keys {
		writes = append(writes, engine.Write{Store: engine.StoreDocs, Key: k, Value: []byte{byte(i), 0, 255}})
	}
	writes = append(writes, engine.Write{Store: engine.StoreMeta, Key: "m", Value: []byte{}})
	if err := s.Commit(ctx, writes); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		got, err := s.Get(ctx, engine.StoreDocs, k)
		if err != nil || string(got) != string([]byte{byte(i), 0, 255}) {
			t.Fatalf("%q: %v %v", k, got, err)
		}
	}
	if got, err := s.Get(ctx, engine.StoreMeta, "m"); err != nil || len(got) != 0 {
		t.Fatalf("empty value: %v %v", got, err)
	}
	err := s.Commit(ctx, []engine.Write{
		{Store: engine.StoreDocs, Key: "never", Value: []byte("x")},
		{Store: "no such store", Key: "k", Value: []byte("x")},
	})
	if err == nil || !errors.Is(err, engine.ErrStorage) {
		t.Fatalf("a commit to a missing store: %v", err)
	}
	if _, err := s.Get(ctx, engine.StoreDocs, "never"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("the failed commit stored a write: %v", err)
	}
}

// Where the page's CSP forbids making the function that packs a scan's
// pages, scans read record by record.
func TestIndexedDBConformanceRecordByRecord(t *testing.T) {
	defer idb.ReadRecordByRecord()()
	storagetest.Run(t, func(t *testing.T, name string) engine.Storage { return openStorage(t, "records-"+name) })
}

// A record that is not bytes (written by something else) fails a scan
// with ErrStorage, packed or read record by record.
func TestScanRefusesOtherValues(t *testing.T) {
	ctx := context.Background()
	for _, packed := range []bool{true, false} {
		name := fmt.Sprintf("other-values-%v", packed)
		s := openStorage(t, name)
		mustPutRaw(t, idb.DatabaseName(name), engine.StoreDocs, "c\x00a", js.ValueOf("not bytes"))
		if !packed {
			defer idb.ReadRecordByRecord()()
		}
		if _, err := s.Scan(ctx, engine.StoreDocs, "c\x00"); !errors.Is(err, engine.ErrStorage) {
			t.Fatalf("packed %v: Scan = %v, want ErrStorage", packed, err)
		}
		s.Close()
	}
}

// mustPutRaw puts value under key in store of IndexedDB database db, as
// another program would.
func mustPutRaw(t *testing.T, db, store, key string, value js.Value) {
	t.Helper()
	done := make(chan error, 1)
	req := js.Global().Get("indexedDB").Call("open", db)
	var onOpen js.Func
	onOpen = js.FuncOf(func(js.Value, []js.Value) any {
		conn := req.Get("result")
		tx := conn.Call("transaction", store, "readwrite")
		tx.Call("objectStore", store).Call("put", value, key)
		var onComplete js.Func
		onComplete = js.FuncOf(func(js.Value, []js.Value) any {
			conn.Call("close")
			onComplete.Release()
			done <- nil
			return nil
		})
		tx.Set("oncomplete", onComplete)
		return nil
	})
	defer onOpen.Release()
	req.Set("onsuccess", onOpen)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("raw put timed out")
	}
}

func openStorage(t *testing.T, name string) engine.Storage {
	s, err := idb.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	return s
}

func TestEngineOnIndexedDB(t *testing.T) {
	ctx := context.Background()
	name := "engine-on-idb"
	if err := idb.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	s, err := idb.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(ctx, s, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	put := engine.Op{Kind: engine.OpPut, Collection: "todos", ID: "1", Value: map[string]any{"id": "1", "title": "write"}}
	if err := db.Commit(ctx, []engine.Op{put}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = idb.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	db, err = engine.Open(ctx, s, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	doc, ok, err := db.Get(ctx, "todos", "1")
	if err != nil || !ok || doc["title"] != "write" {
		t.Fatalf("after reopen Get = %v, %v, %v; want the written document", doc, ok, err)
	}
}

func openEngine(t *testing.T, name string) *engine.DB {
	t.Helper()
	s, err := idb.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(context.Background(), s, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestFailedTransactionStoresNothing(t *testing.T) {
	ctx := context.Background()
	db := openEngine(t, "atomicity")
	ops := []engine.Op{
		{Kind: engine.OpPut, Collection: "c", ID: "a", Value: map[string]any{"id": "a"}},
		{Kind: engine.OpPut, Collection: "c", ID: "b", Value: map[string]any{"id": "b"}},
		{Kind: engine.OpUpdate, Collection: "c", ID: "missing", Value: map[string]any{"x": 1.0}},
	}
	if err := db.Commit(ctx, ops); err == nil {
		t.Fatal("a transaction with a failing op committed")
	}
	db.Close()
	db = openEngine(t, "atomicity")
	defer db.Close()
	docs, err := db.Query(ctx, query.Query{Collection: "c"})
	if err != nil || len(docs) != 0 {
		t.Fatalf("after a failed transaction the collection holds %v (%v), want nothing", docs, err)
	}
}

func TestReopenAfter10000Writes(t *testing.T) {
	ctx := context.Background()
	db := openEngine(t, "ten-thousand")
	if err := db.CreateIndex(ctx, "c", "n"); err != nil {
		t.Fatal(err)
	}
	const n, batch = 10000, 500
	t0 := time.Now()
	for start := 0; start < n; start += batch {
		ops := make([]engine.Op, batch)
		for i := range ops {
			id := fmt.Sprintf("%05d", start+i)
			ops[i] = engine.Op{Kind: engine.OpPut, Collection: "c", ID: id, Value: map[string]any{"id": id, "n": float64(start + i)}}
		}
		if err := db.Commit(ctx, ops); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d writes in %v", n, time.Since(t0))
	db.Close()
	t0 = time.Now()
	db = openEngine(t, "ten-thousand")
	defer db.Close()
	top, err := db.Query(ctx, query.Query{Collection: "c", OrderBy: []query.Order{{Field: "n", Desc: true}}, Limit: 3})
	t.Logf("reopen and a first limited query, from the persisted index, in %v", time.Since(t0))
	if err != nil || len(top) != 3 || top[0]["n"] != float64(n-1) || top[2]["n"] != float64(n-3) {
		t.Fatalf("top 3 after reopen: %v (%v)", top, err)
	}
	if err := db.CheckIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	docs, err := db.Query(ctx, query.Query{Collection: "c", OrderBy: []query.Order{{Field: "n"}}})
	t.Logf("reopen and query in %v", time.Since(t0))
	if err != nil || len(docs) != n {
		t.Fatalf("after reopen: %d documents (%v), want %d", len(docs), err, n)
	}
	for i, d := range docs {
		if d["n"] != float64(i) || d["id"] != fmt.Sprintf("%05d", i) {
			t.Fatalf("document %d = %v", i, d)
		}
	}
}

// Deleting (or upgrading) the database from elsewhere must not block on this
// open connection: it yields, and later calls say why they fail.
func TestYieldsToVersionChange(t *testing.T) {
	ctx := context.Background()
	s, err := idb.Open(ctx, "yield")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(50 * time.Millisecond) // let the watcher connection open
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := idb.Delete(dctx, "yield"); err != nil {
		t.Fatalf("Delete while open: %v (blocked by our connection?)", err)
	}
	_, err = s.Get(ctx, engine.StoreMeta, "k")
	if !errors.Is(err, engine.ErrClosed) || !strings.Contains(err.Error(), "another tab") {
		t.Fatalf("Get after the database was deleted elsewhere = %v", err)
	}
}

// A database of schema version 2 (no index store) upgrades in place:
// its data stays, and the index store appears.
func TestUpgradeFromVersion2KeepsData(t *testing.T) {
	ctx := context.Background()
	name := "upgrade-v2"
	_ = idb.Delete(ctx, name)
	opened := make(chan error, 1)
	req := js.Global().Get("indexedDB").Call("open", idb.DatabaseName(name), 2)
	req.Set("onupgradeneeded", js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		for _, s := range []string{engine.StoreDocs, engine.StoreState, engine.StoreLog, engine.StoreMeta} {
			db.Call("createObjectStore", s)
		}
		kept := js.Global().Get("Uint8Array").New(4)
		js.CopyBytesToJS(kept, []byte("kept"))
		req.Get("transaction").Call("objectStore", engine.StoreMeta).Call("put", kept, "k")
		return nil
	}))
	req.Set("onsuccess", js.FuncOf(func(js.Value, []js.Value) any {
		req.Get("result").Call("close")
		opened <- nil
		return nil
	}))
	req.Set("onerror", js.FuncOf(func(js.Value, []js.Value) any { opened <- errors.New("open v2 failed"); return nil }))
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
	s, err := idb.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b, err := s.Get(ctx, engine.StoreMeta, "k"); err != nil || string(b) != "kept" {
		t.Fatalf("meta k after upgrade = %q, %v; want kept", b, err)
	}
	if keys, err := s.Keys(ctx, engine.StoreIndex, "", "", false, 0); err != nil || len(keys) != 0 {
		t.Fatalf("index store after upgrade: %v, %v; want empty", keys, err)
	}
}
