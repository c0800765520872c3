package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/hearthdb/hearth/query"
)

// Cold reads: a query on a collection that is not loaded yet, which the
// planner can answer by walking a persisted index or by reading ids, runs
// straight on the storage and reads only the documents the walk reaches,
// while the collection loads in the background. So after a reload the
// first result of `orderBy(f).limit(n)` over 100,000 documents costs a few
// index pages and n document reads, not a load of the collection.

// indexEnd bounds an index's keys from above: every encoded key starts
// with a tag below it (see query.EncodeKey).
const indexEnd = "\x7f"

// afterKey is the smallest key greater than k: with this suffix a range
// bound excludes every entry under an encoded key (they go on with keySep).
const afterKey = "\x01"

// coldSource is a query.Source and query.Indexer over the stored documents
// and persisted indexes of collections that are not loaded.
type coldSource struct {
	ctx context.Context
	db  *DB
	err error // the first storage error; reads stop at it
	// stale is set when an index entry disagrees with its document:
	// another tab committed between the two reads, and the walk is not a
	// consistent picture.
	stale bool
	tails map[string]uint64 // metaTails, read once by the first page
}

// Get implements query.Source.
func (s *coldSource) Get(collection, id string) (map[string]any, bool) {
	if s.err != nil {
		return nil, false
	}
	doc, ok, err := s.db.storedDoc(s.ctx, collection, id)
	s.err = err
	return doc, ok
}

// Scan implements query.Source. coldQuery only runs plans that walk an
// index or read ids, so the planner never asks for it.
func (s *coldSource) Scan(string, func(string, map[string]any) bool) {
	s.err = errors.New("engine: a cold query planned a full scan")
}

// Indexed implements query.Indexer with the persisted indexes.
func (s *coldSource) Indexed(collection, field string) bool {
	return s.db.indexed(collection, field)
}

// ScanIndex implements query.Indexer: it reads pages of index keys (small
// first, as a limited query stops early) and the documents they name, in
// one GetMany per page.
func (s *coldSource) ScanIndex(collection, field string, r query.Range, desc bool, fn func(string, map[string]any) bool) {
	prefix := indexPrefix(collection, field)
	lo, hi := prefix, prefix+indexEnd
	if r.Lo != nil {
		lo = prefix + query.EncodeKey(r.Lo.Value)
		if !r.Lo.Inclusive {
			lo += afterKey
		}
	}
	if r.Hi != nil {
		hi = prefix + query.EncodeKey(r.Hi.Value)
		if r.Hi.Inclusive {
			hi += afterKey
		}
	}
	for page := 32; s.err == nil && !s.stale; page = min(2*page, 1024) {
		keys, err := s.db.storage.Keys(s.ctx, StoreIndex, lo, hi, desc, page)
		if s.err = err; err != nil || len(keys) == 0 {
			return
		}
		if !s.visit(collection, field, prefix, keys, fn) || len(keys) < page {
			return
		}
		if last := keys[len(keys)-1]; desc {
			hi = last
		} else {
			lo = last + "\x00"
		}
	}
}

// visit reads the documents of a page of index keys and hands them to fn,
// checking that each still has the key its entry says; false stops.
func (s *coldSource) visit(collection, field, prefix string, keys []string, fn func(string, map[string]any) bool) bool {
	ids := make([]string, len(keys))
	docKeys := make([]docKey, len(keys))
	for i, k := range keys {
		_, ids[i], _ = strings.Cut(k[len(prefix):], keySep)
		docKeys[i] = docKey{collection, ids[i]}
	}
	if s.tails == nil {
		if s.tails, s.err = s.db.storedTails(s.ctx); s.err != nil {
			return false
		}
	}
	values, err := s.db.committedValues(s.ctx, docKeys, s.tails)
	if s.err = err; err != nil {
		return false
	}
	for i, doc := range values {
		if doc == nil {
			s.stale = true
			return false
		}
		if indexEntry(collection, field, ids[i], doc) != keys[i] {
			s.stale = true
			return false
		}
		if !fn(ids[i], doc) {
			return false
		}
	}
	return true
}

// coldQuery answers q from the storage when the planner can walk a
// persisted index or read ids for it; ok is false when it cannot (a full
// scan: load the collection instead) or when another tab's commit raced
// the reads.
func (db *DB) coldQuery(ctx context.Context, q query.Query) (res query.Result, ok bool, err error) {
	src := &coldSource{ctx: ctx, db: db}
	plan, err := query.Explain(src, q)
	if err != nil || plan.Index == "" {
		return nil, false, err
	}
	res, err = query.Run(src, q)
	if err == nil {
		err = src.err
	}
	return res, err == nil && !src.stale, err
}
