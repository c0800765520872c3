//go:build js && wasm

package idb

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall/js"

	"github.com/hack-pad/go-indexeddb/idb"
	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
)

// schemaVersion is the IndexedDB version of the layout this package creates.
// Raise it, with an upgrade step, whenever engine.Stores changes, or when
// the engine's layout changes in a way older builds must not write (the
// upgrade closes their connections: version 5 came with the engine's
// document records, which it migrates to when it opens).
const schemaVersion = 5

// DatabaseName is the IndexedDB database that holds Hearth database name.
func DatabaseName(name string) string { return "hearth:" + name }

// Storage is an engine.Storage on one IndexedDB database.
type Storage struct {
	mu     sync.Mutex
	db     *idb.Database
	closed bool
	gone   bool     // another tab upgraded or deleted the database
	raw    *rawConn // versionchange events, getAll pages and commits (commit.go)
	// perWrite: commit through go-indexeddb, a call per write, as where
	// commit.go's function cannot be made (tests set it).
	perWrite bool
}

// Open opens (creating or upgrading when needed) the IndexedDB database of
// Hearth database name.
func Open(ctx context.Context, name string) (*Storage, error) {
	if name == "" {
		return nil, fmt.Errorf("database name is empty: %w", engine.ErrInvalidArgument)
	}
	req, err := idb.Global().Open(ctx, DatabaseName(name), schemaVersion, upgrade)
	if err != nil {
		return nil, mapError("open IndexedDB", err)
	}
	// The raw connection's request goes out at once: IndexedDB queues it
	// behind the first (and its upgrade), and both open meanwhile.
	s := &Storage{}
	type opened struct {
		raw *rawConn
		err error
	}
	rawDone := make(chan opened, 1)
	go func() {
		raw, err := openRaw(ctx, DatabaseName(name), s.yield)
		rawDone <- opened{raw, err}
	}()
	db, err := req.Await(ctx)
	raw := <-rawDone
	switch {
	case err != nil:
		if raw.raw != nil {
			raw.raw.close()
		}
		return nil, mapError("open IndexedDB", err)
	case raw.err != nil:
		_ = db.Close()
		return nil, mapError("open IndexedDB", raw.err)
	}
	s.db, s.raw = db, raw.raw
	return s, nil
}

// yield closes the connection because another tab needs the database
// upgraded or deleted; later calls fail with a ClosedError saying so.
func (s *Storage) yield() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed, s.gone = true, true
		_ = s.db.Close()
		s.raw.close()
	}
}

// Delete removes the IndexedDB database of Hearth database name.
func Delete(ctx context.Context, name string) error {
	req, err := idb.Global().DeleteDatabase(DatabaseName(name))
	if err != nil {
		return mapError("delete IndexedDB", err)
	}
	return mapError("delete IndexedDB", req.Await(ctx))
}

// upgrade creates the stores. Version 1 (an unreleased development layout)
// kept plain values without CRDT state; its stores are dropped. Version 2
// had no index store, and versions 2 and 3 no tail store: they are added,
// empty, as no index was declared and no document had a tail then.
func upgrade(db *idb.Database, oldVersion, _ uint) error {
	names, err := db.ObjectStoreNames()
	if err != nil {
		return err
	}
	if oldVersion < 2 {
		for _, s := range names {
			if err := db.DeleteObjectStore(s); err != nil {
				return err
			}
		}
		names = nil
	}
	for _, s := range engine.Stores {
		if slices.Contains(names, s) {
			continue
		}
		if _, err := db.CreateObjectStore(s, idb.ObjectStoreOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// usable fails once the storage is closed, or gone to another tab.
func (s *Storage) usable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return fmt.Errorf("another tab upgraded or deleted this IndexedDB database; reload the page: %w", engine.ErrClosed)
	}
	if s.closed {
		return engine.ErrClosed
	}
	return nil
}

func (s *Storage) transaction(mode idb.TransactionMode, stores ...string) (*idb.Transaction, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if len(stores) == 0 {
		return nil, fmt.Errorf("transaction over no store: %w", engine.ErrInvalidArgument)
	}
	txn, err := s.db.Transaction(mode, stores[0], stores[1:]...)
	return txn, mapError("begin transaction", err)
}

// Get implements engine.Storage.
func (s *Storage) Get(ctx context.Context, store, key string) ([]byte, error) {
	vals, err := s.GetMany(ctx, store, []string{key})
	if err != nil {
		return nil, err
	}
	if vals[0] == nil {
		return nil, fmt.Errorf("%s/%q: %w", store, key, engine.ErrNotFound)
	}
	return vals[0], nil
}

// GetMany implements engine.Storage: one readonly transaction, every request
// issued before the first is awaited.
func (s *Storage) GetMany(ctx context.Context, store string, keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	txn, err := s.transaction(idb.TransactionReadOnly, store)
	if err != nil {
		return nil, err
	}
	os, err := txn.ObjectStore(store)
	if err != nil {
		return nil, mapError("get", err)
	}
	reqs := make([]*idb.Request, len(keys))
	for i, k := range keys {
		if reqs[i], err = os.Get(js.ValueOf(k)); err != nil {
			return nil, mapError("get", err)
		}
	}
	// Requests of a transaction succeed in order: once the last has, every
	// result is there to read without another wait.
	if _, err := reqs[len(reqs)-1].Await(ctx); err != nil {
		return nil, mapError("get", err)
	}
	out := make([][]byte, len(keys))
	for i, req := range reqs {
		v, err := req.Result()
		if err != nil {
			return nil, mapError("get", err)
		}
		if !v.IsUndefined() {
			if out[i], err = BytesFromJS(safejs.Safe(v)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Scan implements engine.Storage with pages of getAll over the raw
// connection (one request per thousand records, where a cursor costs an
// event per record).
func (s *Storage) Scan(ctx context.Context, store, prefix string) ([]engine.KV, error) {
	var out []engine.KV
	err := s.ScanPages(ctx, store, prefix, func(kvs []engine.KV) error {
		out = append(out, kvs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScanPages implements engine.PageScanner: Scan's pages, each handed to
// fn as it is read.
func (s *Storage) ScanPages(ctx context.Context, store, prefix string, fn func([]engine.KV) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	var fnErr error
	err := s.raw.scan(ctx, store, prefix, func(kvs []engine.KV) error {
		fnErr = fn(kvs)
		return fnErr
	})
	if fnErr != nil {
		return fnErr // the caller's, not IndexedDB's
	}
	return mapError("scan", err)
}

// Keys implements engine.Storage over the raw connection: one getAllKeys
// forward, a key cursor backward.
func (s *Storage) Keys(ctx context.Context, store, lo, hi string, reverse bool, limit int) ([]string, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	keys, err := s.raw.keys(ctx, store, lo, hi, reverse, limit)
	return keys, mapError("read keys", err)
}

// Commit implements engine.Storage: one readwrite transaction over every
// store the batch touches, every request issued without waiting in between,
// and only then a wait for the transaction's completion. The requests are
// issued by one call into JS (commit.go), or, where the page forbids
// making that function, one by one through go-indexeddb.
func (s *Storage) Commit(ctx context.Context, writes []engine.Write) error {
	if len(writes) == 0 {
		return nil
	}
	if fn, ok := batchCommit(); ok && !s.perWrite {
		if err := s.usable(); err != nil {
			return err
		}
		return mapError("commit", s.raw.commit(ctx, fn, writes))
	}
	txn, err := s.transaction(idb.TransactionReadWrite, storesOf(writes)...)
	if err != nil {
		return err
	}
	if err := issueWrites(txn, writes); err != nil {
		_ = txn.Abort()
		return mapError("commit", err)
	}
	return mapError("commit", txn.Await(ctx))
}

func issueWrites(txn *idb.Transaction, writes []engine.Write) error {
	for _, w := range writes {
		os, err := txn.ObjectStore(w.Store)
		if err != nil {
			return err
		}
		if w.Value == nil {
			_, err = os.Delete(js.ValueOf(w.Key))
		} else {
			var v safejs.Value
			if v, err = BytesToJS(w.Value); err == nil {
				_, err = os.PutKey(js.ValueOf(w.Key), safejs.Unsafe(v))
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func storesOf(writes []engine.Write) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range writes {
		if !seen[w.Store] {
			seen[w.Store] = true
			out = append(out, w.Store)
		}
	}
	return out
}

// Close implements engine.Storage.
func (s *Storage) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.raw.close()
	return mapError("close", s.db.Close())
}
