package engine

import "context"

// Checkpoint stores whole, in one storage commit, every loaded document
// whose tail has grown past the checkpoint policy (tail.go), and drops
// those tails. The engine runs it in the background after a commit that
// made a tail due, so the commit itself never pays for it; calling it
// directly is for tests and for a host that wants it now. It counts as a
// commit (other tabs then reload what they cached of the documents), but
// changes no document.
func (db *DB) Checkpoint(ctx context.Context) error {
	return db.locked(ctx, func() error {
		var writes []Write
		for k, t := range db.loaded {
			if len(t.entries) == 0 || !t.due() {
				continue
			}
			value, _ := db.currentValue(k)
			w, err := db.checkpointWrites(k, value)
			if err != nil {
				db.replica = nil // db.loaded and db.tails ran ahead of the storage
				return err
			}
			writes = append(writes, w...)
		}
		if len(writes) == 0 {
			return nil
		}
		commits := db.commits + 1
		db.tailsDirty = false
		writes = append(writes,
			Write{Store: StoreMeta, Key: metaTails, Value: encodeTails(db.tails)},
			Write{Store: StoreMeta, Key: metaCommit, Value: encodeUint(commits)})
		if err := db.storage.Commit(ctx, writes); err != nil {
			db.replica = nil
			return err
		}
		db.commits = commits
		db.opts.Coordinator.Publish(notice{Commit: commits}.encode())
		return nil
	})
}

// checkpointSoon starts a background Checkpoint if a document of n is due
// and none is running. Call it holding db.mu. A failed checkpoint loses
// nothing (the tail stays); the next commit that finds it due tries again.
func (db *DB) checkpointSoon(n notice) {
	if db.checkpointing {
		return
	}
	for _, d := range n.Docs {
		if t := db.loaded[docKey{d.Collection, d.ID}]; t != nil && len(t.entries) > 0 && t.due() {
			db.checkpointing = true
			go func() {
				_ = db.Checkpoint(context.Background())
				db.mu.Lock()
				db.checkpointing = false
				db.mu.Unlock()
			}()
			return
		}
	}
}
