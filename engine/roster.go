package engine

import "context"

// Rosters. A commit that creates a document needs no read of it: the
// engine knows, per collection, every document the storage holds a record
// of (present or deleted), once it has read the collection's keys. A bulk
// import or the first sync of a space therefore writes without reading,
// and the keys are read once per collection rather than a document per
// commit. A roster is part of the CRDT cache: it is dropped whenever the
// cache is (another tab committed, or a storage commit failed).

// rosterLimit bounds a roster: a collection with more documents reads
// each absent document instead (one read per commit, as before rosters).
const rosterLimit = 200_000

// roster is the ids of the documents of a collection the storage holds
// (and maybe others: those loaded when it was read, which a commit being
// stored may be writing), or, when full, none: the collection was too
// large to list.
type roster struct {
	ids  map[string]struct{}
	full bool
}

// rosterOf returns collection's roster, reading it on first use (nil if
// the storage failed: the caller reads the documents instead).
func (db *DB) rosterOf(ctx context.Context, collection string) *roster {
	if r, ok := db.rosters[collection]; ok {
		return r
	}
	prefix := collectionPrefix(collection)
	keys, err := db.storage.Keys(ctx, StoreDocs, prefix, collection+"\x01", false, rosterLimit+1)
	if err != nil {
		return nil
	}
	r := &roster{full: len(keys) > rosterLimit}
	if !r.full {
		r.ids = make(map[string]struct{}, len(keys))
		for _, k := range keys {
			r.ids[k[len(prefix):]] = struct{}{}
		}
		for k := range db.loaded {
			if k.collection == collection {
				r.ids[k.id] = struct{}{}
			}
		}
	}
	db.rosters[collection] = r
	return r
}

// knownAbsent reports whether the storage holds no record of document k.
func (db *DB) knownAbsent(ctx context.Context, k docKey) bool {
	r := db.rosterOf(ctx, k.collection)
	if r == nil || r.full {
		return false
	}
	_, stored := r.ids[k.id]
	return !stored
}

// noteRecord adds document k, whose record a storage commit writes, to
// its collection's roster, if read. A failed storage commit drops the
// rosters with the cache.
func (db *DB) noteRecord(k docKey) {
	if r := db.rosters[k.collection]; r != nil && !r.full {
		if len(r.ids) >= rosterLimit {
			r.ids, r.full = nil, true
			return
		}
		r.ids[k.id] = struct{}{}
	}
}
