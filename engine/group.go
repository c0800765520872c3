package engine

import (
	"context"
	"fmt"
	"slices"
)

// Group commit. A commit is applied in memory and shown at once, then
// queued; whoever holds the Coordinator's lock stores the queue in one
// storage commit, and meanwhile later commits apply and queue behind it
// without waiting for the lock (the process holds it), so that a burst of
// commits costs a few storage commits, the way a database batches its log
// flushes. Each commit's caller returns once its storage commit is
// durable; a failed storage commit fails its commits and those queued
// after them (they build on its changes), and the subscriptions hear each
// rollback.

// queued is a commit applied in memory and shown, waiting to be stored.
type queued struct {
	writes []Write
	n      notice
	undo   undo
	done   chan error // receives the outcome, once
}

// enqueue queues a commit's writes. Call it holding db.mu.
func (db *DB) enqueue(writes []Write, n notice, u undo) *queued {
	q := &queued{writes: writes, n: n, undo: u, done: make(chan error, 1)}
	db.queue = append(db.queue, q)
	return q
}

// committing runs fn, which applies commits in memory and queues them, under
// the lock, and returns them with fn's error (commits it queued before
// failing are stored all the same); each says on its done channel once it
// is stored. If this process is storing a batch already, fn runs at once
// and its commits join the next batch; otherwise the caller takes the
// Coordinator's lock and stores the queue until it is empty.
func (db *DB) committing(ctx context.Context, fn func() ([]*queued, error)) ([]*queued, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for db.flushing && db.replica == nil { // a batch failed: wait for the reload
		db.idle.Wait()
	}
	if db.closed {
		return nil, ErrClosed
	}
	if db.flushing {
		return fn()
	}
	var qs []*queued
	err := db.opts.Coordinator.Exclusive(ctx, func(continuous bool) error {
		if err := db.refresh(ctx, continuous); err != nil {
			return err
		}
		var err error
		qs, err = fn()
		if len(db.queue) > 0 {
			db.flush()
		}
		return err
	})
	return qs, err
}

// waitAll waits for the outcome of each of qs and returns the first error.
func waitAll(qs []*queued) error {
	var first error
	for _, q := range qs {
		if err := <-q.done; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// flush stores the queue, in one storage commit per batch of what has
// queued, until it is empty. Call it holding db.mu and the Coordinator's
// lock; it lets go of db.mu while the storage works. The storage commit
// runs under no caller's context: it serves every caller of the batch.
func (db *DB) flush() {
	db.flushing = true
	defer func() {
		db.flushing = false
		db.idle.Broadcast()
	}()
	for len(db.queue) > 0 {
		batch := db.queue
		db.queue = nil
		docs, err := db.docWrites(batch[len(batch)-1].n.Commit)
		if err != nil {
			db.fail(batch, err)
			continue
		}
		// The replica's metadata as the batch leaves it (the queue was just
		// taken, so no later commit has run yet), if remote changes moved it.
		var meta []byte
		if db.metaDirty {
			meta, db.metaDirty = db.replica.EncodeMeta(), false
		}
		writes := append(append(batchWrites(batch, meta), db.logWrites()...), docs...)
		n := db.built(mergeNotices(batch)) // the values as the batch leaves them: now, before later commits
		db.mu.Unlock()
		err = db.storage.Commit(context.Background(), writes)
		db.mu.Lock()
		if err != nil {
			db.fail(batch, err)
			continue
		}
		db.opts.Coordinator.Publish(n.forOtherTabs().encode())
		for _, q := range batch {
			q.done <- nil
		}
		db.checkpointSoon(n)
		db.packSoon()
	}
}

// batchWrites returns the writes of a batch of commits: theirs, less those
// a later one overwrites (a small document rewritten by each commit of a
// burst is put once), then the commit counter as it stands after the
// last, and meta, the replica's metadata, unless nil. The documents'
// writes come from docWrites, the log's from logWrites.
func batchWrites(batch []*queued, meta []byte) []Write {
	last := batch[len(batch)-1]
	metas := []Write{{Store: StoreMeta, Key: metaCommit, Value: encodeUint(last.n.Commit)}}
	if meta != nil {
		metas = append(metas, Write{Store: StoreMeta, Key: metaReplica, Value: meta})
	}
	if len(batch) == 1 {
		return append(last.writes, metas...)
	}
	type storeKey struct{ store, key string }
	seen := map[storeKey]bool{}
	var writes []Write
	for i := len(batch) - 1; i >= 0; i-- { // newest first: the first seen of a key wins
		ws := batch[i].writes
		for j := len(ws) - 1; j >= 0; j-- {
			if k := (storeKey{ws[j].Store, ws[j].Key}); !seen[k] {
				seen[k] = true
				writes = append(writes, ws[j])
			}
		}
	}
	slices.Reverse(writes)
	return append(writes, metas...)
}

// fail fails a batch whose storage commit failed, and every commit queued
// behind it: the subscriptions hear their rollback, newest first, and the
// replica is dropped, to be reloaded from what the storage holds.
func (db *DB) fail(batch []*queued, err error) {
	lost := append(batch, db.queue...)
	db.queue = nil
	for i := len(lost) - 1; i >= 0; i-- {
		db.view.revert(lost[i].undo)
	}
	db.replica = nil
	for i, q := range lost {
		if i < len(batch) {
			q.done <- fmt.Errorf("commit: %w", err)
		} else {
			q.done <- fmt.Errorf("commit: a commit it builds on was not stored: %w", err)
		}
	}
}

// built returns n with the values its commits left lazy built, for the
// other tabs: as the documents now are, which is as n leaves them while
// the batch is the newest commits. A document no longer loaded is left
// for them to read from the storage.
func (db *DB) built(n notice) notice {
	for i, d := range n.Docs {
		if !d.lazy {
			continue
		}
		k := docKey{d.Collection, d.ID}
		if db.loaded[k] != nil && db.replica != nil {
			n.Docs[i].Value, _ = db.currentValue(k)
		} else {
			n.Docs[i].Stored = true
		}
		n.Docs[i].lazy = false
	}
	return n
}

// mergeNotices returns one notice for a batch: the newest value of each
// document it touched, at the last commit's counter. Other tabs need no
// more: a value they show is the newest stored.
func mergeNotices(batch []*queued) notice {
	if len(batch) == 1 {
		return batch[0].n
	}
	n := notice{Commit: batch[len(batch)-1].n.Commit}
	at := map[docKey]int{}
	for _, q := range batch {
		for _, d := range q.n.Docs {
			k := docKey{d.Collection, d.ID}
			if i, ok := at[k]; ok {
				n.Docs[i] = d
				continue
			}
			at[k] = len(n.Docs)
			n.Docs = append(n.Docs, d)
		}
	}
	return n
}
