package engine

import (
	"context"
	"errors"
	"fmt"
)

// metaLayout is the StoreMeta key of the storage layout's version: absent
// in a database written before document records (docrecord.go), which
// kept each document's state in StoreState.
const metaLayout = "layout"

// layoutRecords is the layout of document records.
var layoutRecords = []byte{2}

// migrateBatch is how many documents one storage commit of the migration
// moves: each commit is atomic, so a migration cut short resumes where
// it stopped.
const migrateBatch = 1000

// migrateLayout moves a layout-1 database to document records: each
// document's value and state become one StoreDocs record, and StoreState
// empties, a batch of documents per storage commit; then metaLayout says
// so. It holds the Coordinator's lock, so no tab commits meanwhile (a tab
// running an older build than this cannot: the IndexedDB upgrade that
// came with this layout closed it).
func (db *DB) migrateLayout(ctx context.Context) error {
	return db.opts.Coordinator.Exclusive(ctx, func(bool) error {
		for {
			keys, err := db.storage.Keys(ctx, StoreState, "", "", false, migrateBatch)
			if err != nil {
				return fmt.Errorf("migrate storage layout: %w", err)
			}
			if len(keys) == 0 {
				return db.storage.Commit(ctx, []Write{{Store: StoreMeta, Key: metaLayout, Value: layoutRecords}})
			}
			if err := db.migrateDocs(ctx, keys); err != nil {
				return fmt.Errorf("migrate storage layout: %w", err)
			}
		}
	})
}

// migrateDocs moves the documents keys (StoreState keys) to records.
func (db *DB) migrateDocs(ctx context.Context, keys []string) error {
	states, err := db.storage.GetMany(ctx, StoreState, keys)
	if err != nil {
		return err
	}
	values, err := db.storage.GetMany(ctx, StoreDocs, keys)
	if err != nil {
		return err
	}
	writes := make([]Write, 0, 2*len(keys))
	for i, key := range keys {
		if len(values[i]) > 0 && values[i][0] == docRecordMark {
			return fmt.Errorf("%q has a record and a layout-1 state: %w", key, ErrStorage)
		}
		writes = append(writes,
			Write{Store: StoreDocs, Key: key, Value: encodeDocRecord(values[i], states[i])},
			Write{Store: StoreState, Key: key})
	}
	return db.storage.Commit(ctx, writes)
}

// checkLayout migrates the database if its stored layout (the metaLayout
// value, nil when absent) predates document records, and fails on a
// layout newer than this build knows.
func (db *DB) checkLayout(ctx context.Context, stored []byte) error {
	switch {
	case stored == nil:
		return db.migrateLayout(ctx)
	case len(stored) == 1 && stored[0] == layoutRecords[0]:
		return nil
	default:
		return fmt.Errorf("storage layout %v is newer than this build knows (%v): %w", stored, layoutRecords, errors.Join(ErrStorage, ErrInvalidArgument))
	}
}
