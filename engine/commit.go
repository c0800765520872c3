package engine

import (
	"context"
	"fmt"

	"github.com/hearthdb/hearth/crdt"
)

// Commit runs ops as one transaction: they become one change, stored
// atomically with the documents they touch, or, if any op fails, nothing
// happens at all. Subscriptions hear of it once, after it is durable.
func (db *DB) Commit(ctx context.Context, ops []Op) error {
	return db.locked(ctx, func() error {
		if err := db.loadState(ctx, opKeys(ops)); err != nil {
			return err
		}
		change, patch, err := db.replica.Transact(func(tx *crdt.Tx) error {
			for i := range ops {
				op := &ops[i]
				current, exists := db.replica.Get(op.Collection, op.ID)
				if err := op.apply(tx, current, exists); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || change == nil {
			return err
		}
		return db.persist(ctx, []*crdt.Change{change}, patch)
	})
}

func opKeys(ops []Op) []docKey {
	keys := make([]docKey, 0, len(ops))
	for _, op := range ops {
		keys = append(keys, docKey{op.Collection, op.ID})
	}
	return keys
}

// persist stores applied changes with the documents their patch touched, in
// one storage commit, then updates the views and tells the other processes.
// If the storage refuses, the in-memory replica (which already holds the
// changes) is dropped, so memory never runs ahead of what is stored.
func (db *DB) persist(ctx context.Context, changes []*crdt.Change, patch *crdt.Patch) error {
	writes := make([]Write, 0, len(changes)+2*len(patch.Docs)+2)
	for _, c := range changes {
		writes = append(writes, Write{Store: StoreLog, Key: LogKey(c.Actor, c.Seq), Value: crdt.EncodeChange(c)})
	}
	docs := make([]docValue, 0, len(patch.Docs))
	for _, p := range patch.Docs {
		d, w, err := db.docWrites(p)
		if err != nil {
			return err
		}
		docs = append(docs, d)
		writes = append(writes, w...)
	}
	commits := db.commits + 1
	writes = append(writes,
		Write{Store: StoreMeta, Key: metaReplica, Value: db.replica.EncodeMeta()},
		Write{Store: StoreMeta, Key: metaCommit, Value: encodeUint(commits)})
	if err := db.storage.Commit(ctx, writes); err != nil {
		db.replica = nil // reloaded from storage by the next refresh
		return fmt.Errorf("commit: %w", err)
	}
	db.commits = commits
	n := notice{Commit: commits, Docs: docs}
	db.view.apply(n)
	db.opts.Coordinator.Publish(n.encode())
	return nil
}

// docWrites returns the new value of a touched document and the writes that
// store it (or remove it, once deleted).
func (db *DB) docWrites(p crdt.DocPatch) (docValue, []Write, error) {
	key := DocKey(p.Collection, p.ID)
	state, err := db.replica.EncodeDoc(p.Collection, p.ID)
	if err != nil {
		return docValue{}, nil, err
	}
	d := docValue{Collection: p.Collection, ID: p.ID}
	writes := []Write{{Store: StoreState, Key: key, Value: state}, {Store: StoreDocs, Key: key}}
	if value, ok := db.replica.Get(p.Collection, p.ID); ok {
		d.Value = value
		if writes[1].Value, err = encodeValue(value); err != nil {
			return docValue{}, nil, err
		}
	}
	return d, writes, nil
}

// ApplyRemote applies changes made by other replicas (from sync), in any
// order and with duplicates: a change whose causal past is missing waits in
// memory until it arrives; one already applied is ignored. Changes applied
// are stored with their documents in one storage commit.
func (db *DB) ApplyRemote(ctx context.Context, changes []*crdt.Change) error {
	return db.locked(ctx, func() error {
		db.pending = append(db.pending, changes...)
		var applied []*crdt.Change
		patch := &crdt.Patch{}
		seen := map[docKey]bool{}
		for {
			c := db.nextReady()
			if c == nil {
				break
			}
			if err := db.applyOne(ctx, c, patch, seen); err != nil {
				db.replica = nil // drop whatever the failed change left
				return err
			}
			applied = append(applied, c)
		}
		if len(applied) == 0 {
			return nil
		}
		return db.persist(ctx, applied, patch)
	})
}

// nextReady removes from the pending buffer the duplicates and returns one
// change whose causal past the replica holds, or nil.
func (db *DB) nextReady() *crdt.Change {
	v := db.replica.Version()
	kept := db.pending[:0]
	var ready *crdt.Change
	for _, c := range db.pending {
		switch {
		case c == nil || v.Includes(c.Actor, c.Seq):
			// applied already: drop it
		case ready == nil && c.Seq == v.Get(c.Actor)+1 && v.Dominates(c.Deps):
			ready = c
		default:
			kept = append(kept, c)
		}
	}
	db.pending = kept
	return ready
}

// applyOne applies c, adding the documents it touched to patch (seen holds
// those already there).
func (db *DB) applyOne(ctx context.Context, c *crdt.Change, patch *crdt.Patch, seen map[docKey]bool) error {
	keys := make([]docKey, 0, len(c.Ops))
	for _, op := range c.Ops {
		keys = append(keys, docKey{op.Coll, op.Doc})
	}
	if err := db.loadState(ctx, keys); err != nil {
		return err
	}
	p, err := db.replica.Apply(c)
	if err != nil {
		return fmt.Errorf("apply change %s/%d: %w", c.Actor, c.Seq, err)
	}
	for _, d := range p.Docs {
		if k := (docKey{d.Collection, d.ID}); !seen[k] {
			seen[k] = true
			patch.Docs = append(patch.Docs, d)
		}
	}
	return nil
}
