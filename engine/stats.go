package engine

import (
	"context"
	"sync/atomic"
)

// StorageStats counts what a DB has written to its storage since it was
// opened: storage commits (one per batch of commits, see group.go), the
// writes in them, and their bytes (keys and values).
type StorageStats struct {
	Commits int64
	Writes  int64
	Bytes   int64
}

// counted is the Storage a DB writes through: the one it was opened on,
// with its writes counted.
type counted struct {
	Storage
	commits, writes, bytes atomic.Int64
}

// Commit implements Storage.
func (c *counted) Commit(ctx context.Context, writes []Write) error {
	err := c.Storage.Commit(ctx, writes)
	if err == nil {
		n := 0
		for _, w := range writes {
			n += len(w.Key) + len(w.Value)
		}
		c.commits.Add(1)
		c.writes.Add(int64(len(writes)))
		c.bytes.Add(int64(n))
	}
	return err
}

// ScanPages implements PageScanner: the storage's pages, or its Scan as
// one page.
func (c *counted) ScanPages(ctx context.Context, store, prefix string, fn func([]KV) error) error {
	return scanPages(ctx, c.Storage, store, prefix, fn)
}

// StorageStats returns what the database has written to its storage since
// it was opened.
func (db *DB) StorageStats() StorageStats {
	c := db.storage.(*counted)
	return StorageStats{Commits: c.commits.Load(), Writes: c.writes.Load(), Bytes: c.bytes.Load()}
}
