package engine

import (
	"context"
	"fmt"

	"github.com/hearthdb/hearth/crdt"
)

// ChangesSince returns the stored changes that a replica holding v lacks,
// in per-actor seq order, for sync.
func (db *DB) ChangesSince(ctx context.Context, v crdt.VersionVector) ([]*crdt.Change, error) {
	var out []*crdt.Change
	err := db.locked(ctx, func() error {
		have := db.replica.Version()
		for _, actor := range have.Actors() {
			if v.Get(actor) >= have.Get(actor) {
				continue
			}
			kvs, err := db.storage.Scan(ctx, StoreLog, string(actor)+keySep)
			if err != nil {
				return err
			}
			for _, kv := range kvs {
				c, err := crdt.DecodeChange(kv.Value)
				if err != nil {
					return fmt.Errorf("stored change %q: %w", kv.Key, err)
				}
				if !v.Includes(c.Actor, c.Seq) {
					out = append(out, c)
				}
			}
		}
		return nil
	})
	return out, err
}

// Version returns the version vector of the changes this database holds.
func (db *DB) Version(ctx context.Context) (crdt.VersionVector, error) {
	var v crdt.VersionVector
	err := db.locked(ctx, func() error {
		v = db.replica.Version()
		return nil
	})
	return v, err
}
