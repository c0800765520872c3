package engine_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// slowStorage takes a while for each storage commit, as IndexedDB does,
// counts them, and fails the ones failAt names (by their 1-based number).
type slowStorage struct {
	*engine.MemoryStorage
	delay   time.Duration
	mu      sync.Mutex
	commits int
	failAt  map[int]bool
}

func (s *slowStorage) Commit(ctx context.Context, w []engine.Write) error {
	time.Sleep(s.delay)
	s.mu.Lock()
	s.commits++
	fail := s.failAt[s.commits]
	s.mu.Unlock()
	if fail {
		return engine.ErrQuotaExceeded
	}
	return s.MemoryStorage.Commit(ctx, w)
}

func (s *slowStorage) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits
}

// Commits issued while one is being stored share the next storage commit,
// and each returns only once its own write is durable.
func TestGroupCommitSharesStorageCommits(t *testing.T) {
	s := &slowStorage{MemoryStorage: engine.NewMemoryStorage(), delay: 5 * time.Millisecond}
	db := openDB(t, s)
	defer db.Close()
	before := s.count()
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint(i)
			if err := db.Commit(ctx, []engine.Op{put("c", map[string]any{"id": id, "i": float64(i)})}); err != nil {
				t.Error(err)
				return
			}
			// Durable on return: a database opened on the storage now has it.
			fresh := openDB(t, s.MemoryStorage.Reopen())
			defer fresh.Close()
			if get(t, fresh, "c", id) == nil {
				t.Errorf("commit %s returned before its write was stored", id)
			}
		}()
	}
	wg.Wait()
	if got := s.count() - before; got >= n/2 {
		t.Fatalf("%d commits took %d storage commits; concurrent ones should share them", n, got)
	}
	if docs := all(t, openDB(t, s.MemoryStorage.Reopen()), "c"); len(docs) != n {
		t.Fatalf("storage holds %d documents, want %d", len(docs), n)
	}
}

// A failed storage commit fails exactly its commits and those queued behind
// it; the others stay, subscribers end on what is stored, and the database
// goes on.
func TestGroupCommitFailureFailsOnlyWhatItLost(t *testing.T) {
	s := &slowStorage{MemoryStorage: engine.NewMemoryStorage(), delay: 2 * time.Millisecond}
	db := openDB(t, s)
	defer db.Close()
	all(t, db, "c") // loaded: subscribers hear commits optimistically
	var mu sync.Mutex
	var last []map[string]any
	cancel, err := db.Subscribe(ctx, query.Query{Collection: "c"}, func(r []map[string]any) { mu.Lock(); last = r; mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	s.mu.Lock()
	s.failAt = map[int]bool{s.commits + 3: true}
	s.mu.Unlock()
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Commit(ctx, []engine.Op{put("c", map[string]any{"id": fmt.Sprint(i)})})
		}()
		time.Sleep(100 * time.Microsecond)
	}
	wg.Wait()
	stored := map[string]bool{}
	for _, d := range all(t, openDB(t, s.MemoryStorage.Reopen()), "c") {
		stored[d["id"].(string)] = true
	}
	failed := 0
	for i, err := range errs {
		id := fmt.Sprint(i)
		switch {
		case err == nil && !stored[id]:
			t.Fatalf("commit %d succeeded but is not stored", i)
		case err != nil && stored[id]:
			t.Fatalf("commit %d failed (%v) but is stored", i, err)
		case err != nil && !errors.Is(err, engine.ErrQuotaExceeded):
			t.Fatalf("commit %d failed with %v, want the storage's error", i, err)
		case err != nil:
			failed++
		}
	}
	if failed == 0 || failed == n {
		t.Fatalf("%d of %d commits failed; want the failed storage commit's only", failed, n)
	}
	commit(t, db, put("c", map[string]any{"id": "after"}))
	want := all(t, openDB(t, s.MemoryStorage.Reopen()), "c")
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(last, want) {
		t.Fatalf("the subscriber ended on %d documents, the storage holds %d", len(last), len(want))
	}
}

// CommitEach runs each transaction as Commit would: one that fails leaves
// the others be, and they share one storage commit.
func TestCommitEachKeepsTransactionsApart(t *testing.T) {
	s := &slowStorage{MemoryStorage: engine.NewMemoryStorage()}
	db := openDB(t, s)
	defer db.Close()
	before := s.count()
	errs := db.CommitEach(ctx, [][]engine.Op{
		{put("c", map[string]any{"id": "a"})},
		{put("c", map[string]any{"id": "b"}), {Kind: engine.OpUpdate, Collection: "c", ID: "missing", Value: map[string]any{"x": 1.0}}},
		{put("c", map[string]any{"id": "c"})},
		{{Kind: engine.OpDelete, Collection: "c", ID: "nothing"}}, // changes nothing
	})
	if errs[0] != nil || errs[2] != nil || errs[3] != nil || engine.CodeOf(errs[1]) != engine.CodeNotFound {
		t.Fatalf("errors %v; want only the second transaction's NotFoundError", errs)
	}
	if got := s.count() - before; got != 1 {
		t.Fatalf("the batch took %d storage commits, want 1", got)
	}
	var ids []string
	for _, d := range all(t, openDB(t, s.MemoryStorage.Reopen()), "c") {
		ids = append(ids, d["id"].(string))
	}
	if !reflect.DeepEqual(ids, []string{"a", "c"}) {
		t.Fatalf("stored %v, want [a c]: the failed transaction must leave nothing", ids)
	}
}

// A read of a collection not loaded goes to the storage: it waits for the
// commits issued before it that are still being stored.
func TestReadsFollowCommitsBeingStored(t *testing.T) {
	s := &slowStorage{MemoryStorage: engine.NewMemoryStorage(), delay: 20 * time.Millisecond}
	db := openDB(t, s)
	defer db.Close()
	errs := make(chan error, 2)
	go func() { errs <- db.Commit(ctx, []engine.Op{put("c", map[string]any{"id": "first"})}) }()
	time.Sleep(5 * time.Millisecond) // "first" is being stored
	go func() { errs <- db.Commit(ctx, []engine.Op{put("c", map[string]any{"id": "second"})}) }()
	time.Sleep(5 * time.Millisecond) // "second" is applied and queued behind it
	if get(t, db, "c", "second") == nil {
		t.Fatal("Get on a collection not loaded missed a commit issued before it")
	}
	if docs := all(t, db, "c"); len(docs) != 2 {
		t.Fatalf("a query missed a commit issued before it: %v", docs)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
