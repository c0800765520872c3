package engine

import (
	"context"
	"time"
)

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

// Checkpoints wait for a pause. A checkpoint encodes a whole document, and
// in a browser it runs on the thread that applies the commits of a burst
// of typing, so one runs once no storage commit came for checkpointIdle,
// or at once when a tail has grown checkpointPress times past the policy
// (a load replays the tail: this bounds it). Close runs those due.
const (
	checkpointIdle  = 300 * time.Millisecond
	checkpointPress = 4
)

// checkpointSoon starts a background Checkpoint, or (re)arms the idle
// timer, after a storage commit of n. Call it holding db.mu. A failed
// checkpoint loses nothing (the tail stays); a later one tries again.
func (db *DB) checkpointSoon(n notice) {
	if db.checkpointing {
		return
	}
	for _, d := range n.Docs {
		if t := db.loaded[d.key()]; t != nil && len(t.entries) > 0 && t.due() {
			if t.pressing() {
				db.startCheckpoint()
				return
			}
			db.checkpointDue = true
		}
	}
	if !db.checkpointDue {
		return
	}
	if db.checkpointTimer == nil {
		db.checkpointTimer = time.AfterFunc(checkpointIdle, db.idleCheckpoint)
	} else {
		db.checkpointTimer.Reset(checkpointIdle)
	}
}

func (db *DB) idleCheckpoint() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.checkpointDue && !db.checkpointing && !db.closed {
		db.startCheckpoint()
	}
}

// startCheckpoint runs Checkpoint in the background. Call it holding db.mu.
func (db *DB) startCheckpoint() {
	db.checkpointing, db.checkpointDue = true, false
	go func() {
		_ = db.Checkpoint(context.Background())
		db.mu.Lock()
		db.checkpointing = false
		db.mu.Unlock()
	}()
}
