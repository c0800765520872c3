package engine

import (
	"cmp"
	"context"
	"slices"

	"github.com/hearthdb/hearth/query"
)

// Queries answered by the first pages of a load. A query without orderBy
// returns its rows in id order, and a collection loads in key (id) order:
// so once the documents read so far hold Offset+Limit matches, the rest of
// the collection cannot change the result, and a limited query over a
// collection of 100,000 documents is answered by its first page or so
// instead of the whole load. The collection goes on loading in the
// background, as after a cold query (cold.go).
//
// IndexedDB orders keys by UTF-16 code units and Go by bytes; the two
// orders agree on strings whose first difference is a character below
// U+D800 (and those are all ids but a few). So an answer counts only if
// every id in it is made of such characters: then no document beyond the
// read part sorts before one of them in either order.

// prefixQuery answers q from the pages of its collection's load read so
// far, waiting for more pages as long as they do not decide it; ok is
// false when q is not such a query (it has an orderBy, or no limit) or
// when the whole collection was read first (the caller installs it). Call
// it holding db.mu, which it keeps while it waits, as ensureLoaded does.
func (db *DB) prefixQuery(ctx context.Context, q query.Query) (res query.Result, ok bool, err error) {
	if len(q.OrderBy) > 0 || q.Limit <= 0 {
		return nil, false, nil
	}
	if err := validateCollection(q.Collection); err != nil {
		return nil, false, err
	}
	if err := q.Validate(); err != nil {
		return nil, false, err
	}
	l := db.startLoad(q.Collection)
	src := &prefixSource{docs: query.NewStore()}
	added, tried := 0, 0
	for {
		read, bound, floor, paged := l.sofar()
		select {
		case <-l.scanned:
			return nil, false, nil
		default:
		}
		// Try again each time the read part has doubled: the tries cost
		// as much as reading, not the square of it.
		if len(read) > 0 && len(read) >= 2*tried {
			src.docs.Apply(read[added:])
			added, tried = len(read), len(read)
			src.bound = bound
			src.overlay(db.view, l, floor)
			res, err := query.Run(src, q)
			if err != nil {
				return nil, false, err
			}
			if len(res) == q.Limit && idsBelowSurrogates(res) {
				return res, true, nil
			}
		}
		select {
		case <-paged:
		case <-l.scanned:
			return nil, false, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

// idsBelowSurrogates reports whether every id of res is made of
// characters below U+D000 (lead bytes below 0xED), where IndexedDB's key
// order and Go's agree.
func idsBelowSurrogates(res query.Result) bool {
	for _, r := range res {
		for i := 0; i < len(r.ID); i++ {
			if r.ID[i] >= 0xed {
				return false
			}
		}
	}
	return true
}

// prefixSource is a query.Source over the documents of a loading
// collection whose ids are at most bound: those read, with the commits
// that arrived meanwhile on top, as the load will install them.
type prefixSource struct {
	docs  *query.Store
	bound string
	over  map[string]map[string]any // id -> value after the newest pending commit; nil: deleted
}

// overlay gathers the commits that arrived for l's collection during the
// load, as install applies them: above floor and above what the view has
// seen of each document, in commit order.
func (s *prefixSource) overlay(v *viewState, l *loading, floor uint64) {
	pending := slices.Clone(l.changes)
	slices.SortStableFunc(pending, func(a, b pendingChange) int { return cmp.Compare(a.commit, b.commit) })
	s.over = map[string]map[string]any{}
	for _, p := range pending {
		if p.commit > floor && p.commit > v.commit[p.doc.key()] {
			s.over[p.doc.ID] = p.doc.Value
		}
	}
}

// Get implements query.Source.
func (s *prefixSource) Get(collection, id string) (map[string]any, bool) {
	if id > s.bound {
		return nil, false
	}
	if doc, ok := s.over[id]; ok {
		return doc, doc != nil
	}
	return s.docs.Get(collection, id)
}

// Scan implements query.Source.
func (s *prefixSource) Scan(collection string, fn func(string, map[string]any) bool) {
	stopped := false
	s.docs.Scan(collection, func(id string, doc map[string]any) bool {
		if _, over := s.over[id]; over || id > s.bound {
			return true
		}
		stopped = !fn(id, doc)
		return !stopped
	})
	for id, doc := range s.over {
		if stopped || doc == nil || id > s.bound {
			continue
		}
		stopped = !fn(id, doc)
	}
}
