package query

import (
	"fmt"
	"slices"
)

// Store is an in-memory Source and Indexer: collections of documents by id,
// plus the sorted indexes the app declares with CreateIndex. Put and Delete
// queue their index edits, which the next read of the index applies first
// (or SettleIndexes, at a quieter moment). The engine uses it as its
// materialized view.
//
// A Store is not safe for concurrent use; serialise access (the engine
// applies one transaction at a time).
type Store struct {
	colls map[string]*collection
}

type collection struct {
	docs    map[string]map[string]any
	indexes map[string]*index // by field path
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{colls: map[string]*collection{}}
}

func (s *Store) coll(name string) *collection {
	c := s.colls[name]
	if c == nil {
		c = &collection{docs: map[string]map[string]any{}, indexes: map[string]*index{}}
		s.colls[name] = c
	}
	return c
}

// CreateIndex declares an index on a field path of a collection and builds
// it from the documents already stored. Declaring an existing index again
// does nothing.
func (s *Store) CreateIndex(collection, field string) error {
	if collection == "" {
		return fmt.Errorf("%w: %w: empty collection name", ErrIndex, ErrCollection)
	}
	path, ok := splitPath(field)
	if !ok {
		return fmt.Errorf("%w: %w: %q", ErrIndex, ErrField, field)
	}
	c := s.coll(collection)
	if c.indexes[field] != nil {
		return nil
	}
	x := &index{path: path}
	es := make([]ientry, 0, len(c.docs))
	for id, doc := range c.docs {
		es = append(es, ientry{key: key(id, doc, path), id: id})
	}
	x.build(es)
	c.indexes[field] = x
	return nil
}

// Indexes returns the indexed field paths of a collection, sorted.
func (s *Store) Indexes(collection string) []string {
	var out []string
	if c := s.colls[collection]; c != nil {
		for f := range c.indexes {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// Put stores doc under id, replacing any previous version. The Store keeps
// doc itself: do not modify it afterwards.
func (s *Store) Put(collection, id string, doc map[string]any) {
	c := s.coll(collection)
	old, had := c.docs[id]
	c.docs[id] = doc
	for _, x := range c.indexes {
		k := key(id, doc, x.path)
		if had {
			prev := key(id, old, x.path)
			if Compare(prev, k) == 0 {
				continue // the entry sorts where it is: leave it
			}
			x.queue(ientry{key: prev, id: id}, false)
		}
		x.queue(ientry{key: k, id: id}, true)
	}
}

// Delete removes the document, if present.
func (s *Store) Delete(collection, id string) {
	if c := s.colls[collection]; c != nil {
		c.unindex(id)
		delete(c.docs, id)
	}
}

func (c *collection) unindex(id string) {
	old, ok := c.docs[id]
	if !ok {
		return
	}
	for _, x := range c.indexes {
		x.queue(ientry{key: key(id, old, x.path), id: id}, false)
	}
}

// Apply applies a transaction's changes in order: a nil Doc deletes.
func (s *Store) Apply(changes []Change) {
	for _, ch := range changes {
		if ch.Doc == nil {
			s.Delete(ch.Collection, ch.ID)
		} else {
			s.Put(ch.Collection, ch.ID, ch.Doc)
		}
	}
}

// SettleIndexes applies the queued index edits of every collection, which
// reads of an index would otherwise apply first.
func (s *Store) SettleIndexes() {
	for _, c := range s.colls {
		for _, x := range c.indexes {
			x.settle()
		}
	}
}

// Len returns the number of documents in a collection.
func (s *Store) Len(collection string) int {
	if c := s.colls[collection]; c != nil {
		return len(c.docs)
	}
	return 0
}

// Get implements Source.
func (s *Store) Get(collection, id string) (map[string]any, bool) {
	c := s.colls[collection]
	if c == nil {
		return nil, false
	}
	doc, ok := c.docs[id]
	return doc, ok
}

// Scan implements Source.
func (s *Store) Scan(collection string, fn func(id string, doc map[string]any) bool) {
	c := s.colls[collection]
	if c == nil {
		return
	}
	for id, doc := range c.docs {
		if !fn(id, doc) {
			return
		}
	}
}

// Indexed implements Indexer.
func (s *Store) Indexed(collection, field string) bool {
	c := s.colls[collection]
	return c != nil && c.indexes[field] != nil
}

// ScanIndex implements Indexer. Without such an index it calls fn for no
// document.
func (s *Store) ScanIndex(collection, field string, r Range, desc bool, fn func(id string, doc map[string]any) bool) {
	c := s.colls[collection]
	if c == nil || c.indexes[field] == nil {
		return
	}
	visit := func(e ientry) bool { return fn(e.id, c.docs[e.id]) }
	if desc {
		c.indexes[field].descend(r, visit)
	} else {
		c.indexes[field].ascend(r, visit)
	}
}

// Check verifies that every index holds exactly one entry per document,
// with the document's current key, in order. Tests call it after writes.
func (s *Store) Check() error {
	for name, c := range s.colls {
		for field, x := range c.indexes {
			if err := c.checkIndex(x); err != nil {
				return fmt.Errorf("query: index %s.%s: %w", name, field, err)
			}
		}
	}
	return nil
}

func (c *collection) checkIndex(x *index) error {
	if n := x.len(); n != len(c.docs) {
		return fmt.Errorf("%d entries for %d documents", n, len(c.docs))
	}
	var prev *ientry
	var err error
	x.ascend(Range{}, func(e ientry) bool {
		doc, ok := c.docs[e.id]
		switch {
		case !ok:
			err = fmt.Errorf("entry for absent document %q", e.id)
		case Compare(key(e.id, doc, x.path), e.key) != 0:
			err = fmt.Errorf("stale key for %q", e.id)
		case prev != nil && cmpIentry(*prev, e) >= 0:
			err = fmt.Errorf("out of order at %q", e.id)
		}
		prev = &e
		return err == nil
	})
	return err
}
