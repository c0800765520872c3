package engine

import "context"

// Store names used by the engine. Every Storage must provide them.
const (
	StoreDocs  = "docs"  // each document's checkpoint record: its value and CRDT state (docrecord.go), keyed by DocKey
	StoreState = "state" // layout 1's CRDT states, emptied by the migration to records (migrate.go)
	StoreLog   = "log"   // encoded changes, keyed by LogKey
	StoreMeta  = "meta"  // replica metadata: actor id, replica clock and version, commit counter, declared indexes
	StoreIndex = "index" // persisted index entries, keyed by indexKey; values are empty
	StoreTail  = "tail"  // each document's changes since its checkpoint record in StoreDocs (tail.go)
)

// Stores lists every store a Storage must provide.
var Stores = []string{StoreDocs, StoreState, StoreLog, StoreMeta, StoreIndex, StoreTail}

// KV is one key and its value, as returned by Storage.Scan.
type KV struct {
	Key   string
	Value []byte
}

// Write is one change to a store within a Storage.Commit batch. A nil Value
// deletes the key.
type Write struct {
	Store string
	Key   string
	Value []byte
}

// Storage is the byte-oriented persistence the engine runs on. Implementations
// must make Commit atomic: either every write of the batch is durable or none
// is.
type Storage interface {
	// Get returns the value of key in store, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Get(ctx context.Context, store, key string) ([]byte, error)
	// GetMany returns the values of keys in store, in one read: nil where a
	// key is missing.
	GetMany(ctx context.Context, store string, keys []string) ([][]byte, error)
	// Scan returns every pair of store whose key starts with prefix, in
	// ascending key order.
	Scan(ctx context.Context, store, prefix string) ([]KV, error)
	// Keys returns up to limit keys of store with lo <= key < hi (no upper
	// bound when hi is ""), in ascending order, or descending when reverse
	// is set. A limit <= 0 means no limit.
	Keys(ctx context.Context, store, lo, hi string, reverse bool, limit int) ([]string, error)
	// Commit applies writes atomically.
	Commit(ctx context.Context, writes []Write) error
	// Close releases the storage. Later calls fail.
	Close() error
}

// PageScanner is implemented by a Storage that can hand a scan's pairs
// over as it reads them, a page at a time: the engine then installs a
// collection it loads as its pages come, and answers the queries that a
// prefix of the collection answers (see load.go) before the last page.
type PageScanner interface {
	// ScanPages calls fn with the pairs of store whose key starts with
	// prefix, in ascending key order, a page at a time (each page
	// non-empty), until fn fails or every pair was handed over: together
	// the pages hold what Scan returns. fn may keep the pages.
	ScanPages(ctx context.Context, store, prefix string, fn func([]KV) error) error
}

// scanPages is PageScanner.ScanPages where the storage has it, else one
// page of Scan.
func scanPages(ctx context.Context, s Storage, store, prefix string, fn func([]KV) error) error {
	if p, ok := s.(PageScanner); ok {
		return p.ScanPages(ctx, store, prefix, fn)
	}
	kvs, err := s.Scan(ctx, store, prefix)
	if err != nil || len(kvs) == 0 {
		return err
	}
	return fn(kvs)
}
