package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hearthdb/hearth/query"
)

// Persisted indexes. CreateIndex stores an index's declaration in StoreMeta
// and one StoreIndex entry per document of the collection, and every commit
// keeps the entries current in the same storage transaction as the
// documents. After a reload, a query the planner can answer from an index
// walks it and reads only the documents it returns (cold.go), instead of
// loading the whole collection first.

// metaIndexPrefix opens the StoreMeta key of every index declaration:
// metaIndexPrefix + collection + keySep + field.
const metaIndexPrefix = "index" + keySep

func indexDeclKey(collection, field string) string {
	return metaIndexPrefix + collection + keySep + field
}

// indexPrefix opens the StoreIndex key of every entry of one index. An entry
// is indexPrefix + query.EncodeKey(key) + keySep + id: the encoding sorts as
// query.Compare and holds no NUL, so the store's key order is the index's.
func indexPrefix(collection, field string) string {
	return collection + keySep + field + keySep
}

func indexEntry(collection, field, id string, doc map[string]any) string {
	return indexPrefix(collection, field) + query.EncodeKey(query.KeyOf(id, doc, field)) + keySep + id
}

// validateIndex checks a collection name and an indexed field path.
func validateIndex(collection, field string) error {
	if err := validateCollection(collection); err != nil {
		return err
	}
	if strings.Contains(field, keySep) {
		return fmt.Errorf("field path %q contains a NUL character: %w", field, ErrInvalidArgument)
	}
	return query.CheckField(field)
}

// readIndexes starts loadIndexes and returns the function that waits for its
// result: the read goes to the storage alongside the caller's next one
// instead of after it (one round trip less on the way to a first result).
func (db *DB) readIndexes(ctx context.Context) func() (map[string][]string, error) {
	type result struct {
		indexes map[string][]string
		err     error
	}
	done := make(chan result, 1)
	go func() {
		indexes, err := db.loadIndexes(ctx)
		done <- result{indexes, err}
	}()
	return func() (map[string][]string, error) {
		r := <-done
		return r.indexes, r.err
	}
}

// loadIndexes reads the declared indexes, by collection.
func (db *DB) loadIndexes(ctx context.Context) (map[string][]string, error) {
	kvs, err := db.storage.Scan(ctx, StoreMeta, metaIndexPrefix)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, kv := range kvs {
		collection, field, ok := strings.Cut(strings.TrimPrefix(kv.Key, metaIndexPrefix), keySep)
		if !ok {
			return nil, fmt.Errorf("index declaration %q: %w", kv.Key, ErrStorage)
		}
		out[collection] = append(out[collection], field)
	}
	return out, nil
}

// indexed reports whether collection has a persisted index on field.
func (db *DB) indexed(collection, field string) bool {
	return slices.Contains(db.indexes[collection], field)
}

// indexWrites moves document id's entries in the persisted indexes of its
// collection from its old value to its new one (nil when there is no
// document).
func (db *DB) indexWrites(collection, id string, old, cur map[string]any) []Write {
	var out []Write
	for _, field := range db.indexes[collection] {
		var from, to string
		if old != nil {
			from = indexEntry(collection, field, id, old)
		}
		if cur != nil {
			to = indexEntry(collection, field, id, cur)
		}
		if from == to {
			continue
		}
		if from != "" {
			out = append(out, Write{Store: StoreIndex, Key: from})
		}
		if to != "" {
			out = append(out, Write{Store: StoreIndex, Key: to, Value: []byte{}})
		}
	}
	return out
}

// priorValues records, for the documents of keys in indexed collections not
// yet in prior, their values before a transaction (nil when absent), so the
// commit can move their index entries.
func (db *DB) priorValues(prior map[docKey]map[string]any, keys []docKey) {
	for _, k := range keys {
		if db.needsPrior(prior, k) {
			v, ok := db.replica.Get(k.collection, k.id)
			db.notePrior(prior, k, v, ok)
		}
	}
}

// notePrior is priorValues for a value already read (exists false: no
// document): the first one noted is the value before the transaction.
func (db *DB) notePrior(prior map[docKey]map[string]any, k docKey, value map[string]any, exists bool) {
	if db.needsPrior(prior, k) {
		if !exists {
			value = nil
		}
		prior[k] = value
	}
}

func (db *DB) needsPrior(prior map[docKey]map[string]any, k docKey) bool {
	if len(db.indexes[k.collection]) == 0 {
		return false
	}
	_, seen := prior[k]
	return !seen
}

// newPrior returns the map of prior values a transaction fills, or nil
// when no collection has an index (needsPrior is then always false).
func (db *DB) newPrior() map[docKey]map[string]any {
	if len(db.indexes) == 0 {
		return nil
	}
	return map[docKey]map[string]any{}
}

// CreateIndex declares an index on a field path of collection, so that
// selective and ordered queries on it do not scan the collection. The index
// is persisted: the first declaration builds it from the stored documents
// in one storage commit; later opens have it at once, and a query on a
// collection not loaded yet walks it, reading only the documents it
// returns. Declaring an existing index again costs nothing.
func (db *DB) CreateIndex(ctx context.Context, collection, field string) error {
	if err := validateIndex(collection, field); err != nil {
		return err
	}
	done := false
	err := db.reading(func() error {
		done = db.indexed(collection, field)
		if done && db.view.loaded(collection) {
			return db.view.store.CreateIndex(collection, field)
		}
		return nil
	})
	if done || err != nil {
		return err
	}
	return db.locked(ctx, func() error {
		if !db.indexed(collection, field) {
			if err := db.buildIndex(ctx, collection, field); err != nil {
				return err
			}
		}
		if db.view.loaded(collection) {
			return db.view.store.CreateIndex(collection, field)
		}
		return nil
	})
}

// buildIndex writes the declaration and the entries of every stored
// document in one storage commit. It counts as a commit, so that other tabs
// reload the declarations before their next write.
func (db *DB) buildIndex(ctx context.Context, collection, field string) error {
	docs, err := db.storedDocs(ctx, collection, nil)
	if err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	commits := db.commits + 1
	writes := make([]Write, 0, len(docs)+2)
	for _, d := range docs {
		writes = append(writes, Write{Store: StoreIndex, Key: indexEntry(collection, field, d.ID, d.Doc), Value: []byte{}})
	}
	writes = append(writes,
		Write{Store: StoreMeta, Key: indexDeclKey(collection, field), Value: []byte{}},
		Write{Store: StoreMeta, Key: metaCommit, Value: encodeUint(commits)})
	if err := db.storage.Commit(ctx, writes); err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	db.commits = commits
	db.indexes[collection] = append(db.indexes[collection], field)
	db.opts.Coordinator.Publish(notice{Commit: commits}.encode())
	return nil
}

// CheckIndexes verifies that every persisted index holds exactly one entry
// per stored document of its collection, under the document's current key.
// It reads everything: for tests and diagnostics.
func (db *DB) CheckIndexes(ctx context.Context) error {
	return db.locked(ctx, func() error {
		for collection, fields := range db.indexes {
			docs, err := db.storedDocs(ctx, collection, nil)
			if err != nil {
				return err
			}
			for _, field := range fields {
				want := map[string]bool{}
				for _, d := range docs {
					want[indexEntry(collection, field, d.ID, d.Doc)] = true
				}
				got, err := db.storage.Scan(ctx, StoreIndex, indexPrefix(collection, field))
				if err != nil {
					return err
				}
				for _, kv := range got {
					if !want[kv.Key] {
						return fmt.Errorf("index %s.%s: stray entry %q", collection, field, kv.Key)
					}
				}
				if len(got) != len(want) {
					return fmt.Errorf("index %s.%s: %d entries for %d documents", collection, field, len(got), len(want))
				}
			}
		}
		return nil
	})
}
