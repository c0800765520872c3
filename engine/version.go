package engine

import (
	"context"

	"github.com/hearthdb/hearth/crdt"
)

// Version returns the version vector of the changes this database holds.
func (db *DB) Version(ctx context.Context) (crdt.VersionVector, error) {
	var v crdt.VersionVector
	err := db.locked(ctx, func() error {
		v = db.replica.Version()
		return nil
	})
	return v, err
}
