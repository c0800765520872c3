package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/hearthdb/hearth/query"
)

// Get returns document id of collection (with its "id" field); ok is false
// when there is none.
func (db *DB) Get(ctx context.Context, collection, id string) (doc map[string]any, ok bool, err error) {
	if err := validateAddress(collection, id); err != nil {
		return nil, false, err
	}
	err = db.reading(func() error {
		if db.view.loaded(collection) {
			doc, ok = db.view.store.Get(collection, id)
			return nil
		}
		b, err := db.storage.Get(ctx, StoreDocs, DocKey(collection, id))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err == nil {
			doc, err = decodeValue(b)
			ok = err == nil
		}
		return err
	})
	if !ok || err != nil {
		return nil, false, err
	}
	return withID(id, doc), true, nil
}

// Query runs q and returns its documents, each with its "id" field.
func (db *DB) Query(ctx context.Context, q query.Query) ([]map[string]any, error) {
	var res query.Result
	err := db.reading(func() error {
		if err := db.ensureLoaded(ctx, q.Collection); err != nil {
			return err
		}
		var err error
		res, err = query.Run(db.view.store, q)
		return err
	})
	return rows(res), err
}

// Subscribe calls fn with the result of q at once, then after every
// committed transaction (local, from another tab, or from sync) that
// changes it. cancel stops the calls.
func (db *DB) Subscribe(ctx context.Context, q query.Query, fn func([]map[string]any)) (cancel func(), err error) {
	err = db.reading(func() error {
		if err := db.ensureLoaded(ctx, q.Collection); err != nil {
			return err
		}
		sub, err := db.view.subs.Subscribe(q, func(r query.Result) { fn(rows(r)) })
		if err == nil {
			cancel = sub.Close
		}
		return err
	})
	return cancel, err
}

// SubscribeDoc calls fn with document id of collection (ok false when
// absent) at once, then after every committed transaction that changes it.
func (db *DB) SubscribeDoc(ctx context.Context, collection, id string, fn func(doc map[string]any, ok bool)) (cancel func(), err error) {
	if err := validateAddress(collection, id); err != nil {
		return nil, err
	}
	err = db.reading(func() error {
		if err := db.ensureLoaded(ctx, collection); err != nil {
			return err
		}
		sub := db.view.subs.SubscribeDoc(collection, id, func(doc map[string]any, ok bool) {
			if ok {
				doc = withID(id, doc)
			}
			fn(doc, ok)
		})
		cancel = sub.Close
		return nil
	})
	return cancel, err
}

// CreateIndex declares an index on a field path of collection, so that
// selective queries on it do not scan the collection.
func (db *DB) CreateIndex(collection, field string) error {
	if err := validateCollection(collection); err != nil {
		return err
	}
	return db.reading(func() error { return db.view.store.CreateIndex(collection, field) })
}

// Receive applies a commit notice that another process sharing the storage
// published, so that this process's subscriptions follow its writes.
func (db *DB) Receive(msg []byte) error {
	n, err := decodeNotice(msg)
	if err != nil {
		return err
	}
	return db.reading(func() error {
		db.view.apply(n)
		return nil
	})
}

func (db *DB) reading(fn func() error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	return fn()
}

// ensureLoaded loads collection into the view on first use.
func (db *DB) ensureLoaded(ctx context.Context, collection string) error {
	if err := validateCollection(collection); err != nil {
		return err
	}
	if db.view.loaded(collection) {
		return nil
	}
	floor, err := db.storedCommits(ctx)
	if err != nil {
		return err
	}
	kvs, err := db.storage.Scan(ctx, StoreDocs, collectionPrefix(collection))
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		_, id, _ := splitDocKey(kv.Key)
		doc, err := decodeValue(kv.Value)
		if err != nil {
			return fmt.Errorf("load %s/%s: %w", collection, id, err)
		}
		db.view.store.Put(collection, id, doc)
	}
	db.view.floor[collection] = floor
	return nil
}

func rows(res query.Result) []map[string]any {
	out := make([]map[string]any, len(res))
	for i, r := range res {
		out[i] = withID(r.ID, r.Doc)
	}
	return out
}

// withID returns a copy of doc with its id as the "id" field, so callers
// may keep or change it without touching the view.
func withID(id string, doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc)+1)
	maps.Copy(out, doc)
	out["id"] = id
	return out
}
