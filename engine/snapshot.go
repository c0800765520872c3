package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// Snapshots of the whole replica, for joining a space through a relay
// (protocol version 3, docs/PROTOCOL.md §1b). Snapshot makes one from
// every stored document; ApplySnapshot merges one into this replica and
// stores its documents through the engine's write path (checkpointWrites),
// joinBatch documents per storage commit, so the first ones show before
// the last are stored.
//
// Resuming: the commit of the first batch stores the snapshot itself
// (metaJoin, metaJoinBlob), and the commit of the last batch deletes it.
// The first batch's commit also stores the merged replica's metadata (its
// version vector covers the snapshot) while later documents still hold
// their old state in the storage; a database opened with the marker present finishes the join
// from the stored snapshot before anything reads it (resumeJoin), so no
// reader sees that mix, and the result is the same merge: documents are
// written whole, so writing one twice does no harm.

// joinBatch is the number of documents per storage commit of a join.
const joinBatch = 1000

// Meta keys of a join in progress.
const (
	metaJoin     = "join"     // msgpack of the version vector of the snapshot being applied
	metaJoinBlob = "joinblob" // the snapshot itself
)

// errJoinMoved reports that another tab replaced the replica while this
// one was storing a join; the marker stays, and the join starts again.
var errJoinMoved = fmt.Errorf("another tab committed during a snapshot join: %w", ErrStorage)

// Snapshot returns a snapshot of the replica, every document in it (as
// crdt.Replica.EncodeSnapshot), and the version vector it covers. It loads
// every document into the cache, which keeps them (dropping the cache
// would drop the remote changes waiting in it for their causal past too).
func (db *DB) Snapshot(ctx context.Context) (crdt.VersionVector, []byte, error) {
	var vv crdt.VersionVector
	var data []byte
	err := db.locked(ctx, func() error {
		keys, err := db.storedDocKeys(ctx)
		if err != nil {
			return err
		}
		for i := 0; i < len(keys); i += joinBatch {
			if err := db.loadState(ctx, keys[i:min(i+joinBatch, len(keys))]); err != nil {
				return err
			}
		}
		vv, data = db.replica.Version(), db.replica.EncodeSnapshot()
		return nil
	})
	return vv, data, err
}

// storedDocKeys returns every document the storage holds: those with a
// checkpoint and those with a tail alone.
func (db *DB) storedDocKeys(ctx context.Context) ([]docKey, error) {
	stored, err := db.storage.Keys(ctx, StoreDocs, "", "", false, 0) // a record per document, deleted ones included
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(stored)+len(db.tails))
	var keys []docKey
	add := func(s string) {
		if c, id, ok := splitDocKey(s); ok && !seen[s] {
			seen[s] = true
			keys = append(keys, docKey{c, id})
		}
	}
	for _, s := range stored {
		add(s)
	}
	for s := range db.tails {
		add(s)
	}
	return keys, nil
}

// ApplySnapshot merges a snapshot covering vv (made by Snapshot on another
// replica) into this one and stores it: the documents as the snapshot
// leaves them plus every change this replica holds that vv does not cover
// (its offline changes stay, in the log, and are still pushed). It is
// idempotent, and resumable (see resumeJoin).
func (db *DB) ApplySnapshot(ctx context.Context, vv crdt.VersionVector, data []byte) error {
	loaded, err := db.loadSnapshot(vv, data)
	if err != nil {
		return err // checked before anything is stored
	}
	marker, err := msgpack.Marshal(vv)
	if err != nil {
		return err
	}
	// The snapshot is stored with the first batch: until that commit the
	// storage holds the old state, whole, and afterwards a reopened
	// database finds what it needs to finish.
	stash := []Write{{Store: StoreMeta, Key: metaJoin, Value: marker}, {Store: StoreMeta, Key: metaJoinBlob, Value: data}}
	return db.join(ctx, vv, data, loaded, stash)
}

// loadSnapshot decodes a snapshot and checks that it covers vv.
func (db *DB) loadSnapshot(vv crdt.VersionVector, data []byte) (*crdt.Replica, error) {
	r, err := crdt.LoadSnapshot(db.actor, data, db.replicaOptions()...)
	if err == nil && !r.Version().Equal(vv) {
		err = fmt.Errorf("it covers %v, not the announced %v", r.Version(), vv)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", errors.Join(hsync.ErrInvalidChange, ErrInvalidChange, err))
	}
	return r, nil
}

// resumeJoin finishes a join a closed page left midway, from the snapshot
// it stored, when Open found its marker.
func (db *DB) resumeJoin(ctx context.Context) error {
	if !db.joining {
		return nil
	}
	db.joining = false
	got, err := db.storage.GetMany(ctx, StoreMeta, []string{metaJoin, metaJoinBlob})
	if err != nil || got[0] == nil || got[1] == nil {
		return err
	}
	var vv crdt.VersionVector
	if err := msgpack.Unmarshal(got[0], &vv); err != nil {
		return fmt.Errorf("stored join: %w", errors.Join(ErrStorage, err))
	}
	return db.join(ctx, vv, got[1], nil, nil)
}

// join merges the snapshot into the replica, then stores every document
// of the result, joinBatch per commit, the first one with stash (the
// snapshot, unless it is stored already) and the last one deleting it.
// loaded, if not nil, is the snapshot decoded already.
func (db *DB) join(ctx context.Context, vv crdt.VersionVector, data []byte, loaded *crdt.Replica, stash []Write) error {
	var merged *crdt.Replica
	var keys []docKey
	var prior map[docKey]map[string]any
	err := db.locked(ctx, func() error {
		var err error
		merged, keys, prior, err = db.merge(ctx, vv, data, loaded)
		return err
	})
	if err != nil {
		return err
	}
	for i := 0; i == 0 || i < len(keys); i += joinBatch {
		batch := keys[i:min(i+joinBatch, len(keys))]
		last := i+joinBatch >= len(keys)
		qs, err := db.committing(ctx, func() ([]*queued, error) {
			if db.replica != merged {
				return nil, errJoinMoved
			}
			q, err := db.storeJoined(batch, prior, stash, last)
			return []*queued{q}, err
		})
		if err := errors.Join(err, waitAll(qs)); err != nil {
			return err
		}
		stash = nil
	}
	return nil
}

// merge builds the replica the join leaves: the snapshot, then every
// change of the log that vv does not cover. It makes it the cache, and
// returns the documents to store and the prior values of those in indexed
// collections. Call it holding the lock.
func (db *DB) merge(ctx context.Context, vv crdt.VersionVector, data []byte, loaded *crdt.Replica) (*crdt.Replica, []docKey, map[docKey]map[string]any, error) {
	merged := loaded
	if merged == nil {
		var err error
		if merged, err = db.loadSnapshot(vv, data); err != nil {
			return nil, nil, nil, err
		}
	}
	extra, err := db.changesBeyond(ctx, vv)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := merged.Apply(extra...); err != nil {
		return nil, nil, nil, fmt.Errorf("snapshot: a local change does not apply on it: %w", err)
	}
	if merged.Pending() > 0 {
		return nil, nil, nil, fmt.Errorf("snapshot: %d local changes lack their causal past: %w", merged.Pending(), ErrStorage)
	}
	// What the old state of each stored document needs: its tail
	// entries, to delete them, and its value in an indexed collection.
	stored, err := db.storedDocKeys(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := db.loadState(ctx, stored); err != nil {
		return nil, nil, nil, err
	}
	prior := db.newPrior()
	db.priorValues(prior, stored)
	old := db.loaded
	all := merged.DocKeys()
	keys := make([]docKey, 0, len(all))
	db.replica, db.loaded = merged, make(map[docKey]*loadedDoc, len(all))
	for _, k := range all {
		dk := docKey{k[0], k[1]}
		keys = append(keys, dk)
		t := &loadedDoc{}
		if o := old[dk]; o != nil {
			t.entries, t.bytes = o.entries, o.bytes
		}
		db.loaded[dk] = t
	}
	db.unacked, db.rosters = countUnacked(merged.Version(), db.acked), map[string]*roster{}
	return merged, keys, prior, nil
}

// changesBeyond reads from the log every change the replica holds that vv
// does not cover, in per-actor order.
func (db *DB) changesBeyond(ctx context.Context, vv crdt.VersionVector) ([]*crdt.Change, error) {
	var out []*crdt.Change
	have := db.replica.Version()
	for _, actor := range have.Actors() {
		from, head := vv.Get(actor)+1, have.Get(actor)
		if from > head {
			continue
		}
		envs, err := db.readLog(ctx, actor, from, head, int(head-from+1))
		if err != nil {
			return nil, err
		}
		for _, e := range envs {
			c, err := crdt.DecodeChange(e.Payload)
			if err != nil {
				return nil, fmt.Errorf("log change %s/%d: %w", e.Actor, e.Seq, errors.Join(ErrStorage, err))
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// storeJoined queues the commit of one batch of a join: stash, the
// documents whole, as the merged replica holds them, their index entries,
// and with the last batch the deletion of the stored snapshot. Call it
// under committing.
func (db *DB) storeJoined(batch []docKey, prior map[docKey]map[string]any, stash []Write, last bool) (*queued, error) {
	n := notice{Commit: db.commits + 1, Docs: make([]docValue, 0, len(batch))}
	writes := append([]Write{}, stash...)
	for _, k := range batch {
		value, _ := db.replica.Get(k.collection, k.id)
		ws, err := db.checkpointWrites(k, value)
		if err != nil {
			return nil, err
		}
		writes = append(writes, ws...)
		if len(db.indexes[k.collection]) > 0 {
			writes = append(writes, db.indexWrites(k.collection, k.id, prior[k], value)...)
		}
		n.Docs = append(n.Docs, docValue{Collection: k.collection, ID: k.id, Value: value})
	}
	if last {
		writes = append(writes, Write{Store: StoreMeta, Key: metaJoin}, Write{Store: StoreMeta, Key: metaJoinBlob})
	}
	undo := db.view.apply(n)
	db.commits = n.Commit
	// The merged replica holds other actors' changes: each batch's storage
	// commit stores its metadata with the marker (local commits do not).
	db.metaDirty = true
	return db.enqueue(writes, n, undo), nil
}

// ApplySnapshot implements sync.SnapshotStore.
func (s syncStore) ApplySnapshot(vv crdt.VersionVector, data []byte) error {
	return s.db.ApplySnapshot(s.ctx, vv, data)
}

// Snapshot implements sync.SnapshotStore.
func (s syncStore) Snapshot() (crdt.VersionVector, []byte, error) { return s.db.Snapshot(s.ctx) }

var _ hsync.SnapshotStore = syncStore{}
