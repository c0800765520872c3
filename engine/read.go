package engine

import (
	"context"
	"maps"
	"slices"

	"github.com/hearthdb/hearth/query"
)

// Get returns document id of collection (with its "id" field); ok is false
// when there is none.
func (db *DB) Get(ctx context.Context, collection, id string) (doc map[string]any, ok bool, err error) {
	if err := validateAddress(collection, id); err != nil {
		return nil, false, err
	}
	err = db.readingStored(collection, func() error {
		if db.view.loaded(collection) {
			doc, ok = db.view.store.Get(collection, id)
			return nil
		}
		var err error
		doc, ok, err = db.storedDoc(ctx, collection, id)
		return err
	})
	if !ok || err != nil {
		return nil, false, err
	}
	return withID(id, doc), true, nil
}

// storedDoc reads document id of collection from the storage (ok false
// when there is none).
func (db *DB) storedDoc(ctx context.Context, collection, id string) (doc map[string]any, ok bool, err error) {
	tails, err := db.storedTails(ctx)
	if err != nil {
		return nil, false, err
	}
	values, err := db.committedValues(ctx, []docKey{{collection, id}}, tails)
	if err != nil {
		return nil, false, err
	}
	return values[0], values[0] != nil, nil
}

// Query runs q and returns its documents, each with its "id" field. On a
// collection not loaded yet, a query that a persisted index (or its ids)
// can answer reads only what it returns, and the collection loads in the
// background; so does a limited query without orderBy once the pages read
// so far decide it (prefix.go); any other query waits for the load.
func (db *DB) Query(ctx context.Context, q query.Query) ([]map[string]any, error) {
	res, err := db.QueryResult(ctx, q)
	return rows(res), err
}

// QueryResult is Query for a caller that reads the rows at once and keeps
// nothing of them, as jsbridge does when it writes them as JSON for
// JavaScript: it gets the rows as the view holds them, without the copy of
// every document that Query makes (a tenth of a whole collection's read).
// A row's Doc may lack the "id" field, and the caller must neither change
// nor keep the rows or their documents once it has read them.
func (db *DB) QueryResult(ctx context.Context, q query.Query) (query.Result, error) {
	var res query.Result
	err := db.readingStored(q.Collection, func() error {
		var err error
		if !db.view.loaded(q.Collection) {
			var ok bool
			if res, ok, err = db.coldQuery(ctx, q); ok || err != nil {
				db.startLoad(q.Collection)
				return err
			}
			if res, ok, err = db.prefixQuery(ctx, q); ok || err != nil {
				return err
			}
		}
		if err := db.ensureLoaded(ctx, q.Collection); err != nil {
			return err
		}
		res, err = query.Run(db.view.store, q)
		return err
	})
	return res, err
}

// Subscribe calls fn with the result of q at once, then after every
// committed transaction (local, from another tab, or from sync) that
// changes it. cancel stops the calls. On a collection not loaded yet, the
// first result comes from a persisted index when one can answer, or from
// the first pages of the load when they decide it (as in Query), and the
// subscription goes live once the collection is loaded, calling fn again
// only if the result changed meanwhile.
func (db *DB) Subscribe(ctx context.Context, q query.Query, fn func([]map[string]any)) (cancel func(), err error) {
	return db.SubscribeResult(ctx, q, func(r query.Result) { fn(rows(r)) })
}

// SubscribeResult is Subscribe for a caller that reads each result at once
// and keeps nothing of it, as jsbridge does when it writes the rows as JSON
// for JavaScript: fn gets the rows as the view holds them, without the
// copies Subscribe makes so that its callers may keep or change them
// (copying every row cost about a tenth of a write's way to its first
// subscriber in the browser). A row's Doc may lack the "id" field, and fn
// must neither change nor keep the rows or their documents after it returns.
func (db *DB) SubscribeResult(ctx context.Context, q query.Query, fn func(query.Result)) (cancel func(), err error) {
	err = db.readingStored(q.Collection, func() error {
		if !db.view.loaded(q.Collection) {
			first, ok, err := db.coldQuery(ctx, q)
			if err == nil && !ok {
				first, ok, err = db.prefixQuery(ctx, q)
			}
			if err != nil {
				return err
			}
			if ok {
				fn(first)
				cancel = db.subscribeLater(q.Collection, func() func() {
					var once firstCall
					sub, _ := db.view.subs.Subscribe(q, func(r query.Result) {
						if !once.first() || !sameResult(r, first) {
							fn(r)
						}
					})
					return sub.Close // the query compiled in coldQuery: no error
				})
				return nil
			}
		}
		if err := db.ensureLoaded(ctx, q.Collection); err != nil {
			return err
		}
		sub, err := db.view.subs.Subscribe(q, fn)
		if err == nil {
			cancel = sub.Close
		}
		return err
	})
	return cancel, err
}

// SubscribeDoc calls fn with document id of collection (ok false when
// absent) at once, then after every committed transaction that changes it.
// On a collection not loaded yet, the first call reads the document from
// storage and the subscription goes live once the collection is loaded.
func (db *DB) SubscribeDoc(ctx context.Context, collection, id string, fn func(doc map[string]any, ok bool)) (cancel func(), err error) {
	if err := validateAddress(collection, id); err != nil {
		return nil, err
	}
	withIDFn := func(doc map[string]any, ok bool) {
		if ok {
			doc = withID(id, doc)
		}
		fn(doc, ok)
	}
	err = db.readingStored(collection, func() error {
		if db.view.loaded(collection) {
			cancel = db.view.subs.SubscribeDoc(collection, id, withIDFn).Close
			return nil
		}
		src := &coldSource{ctx: ctx, db: db}
		first, found := src.Get(collection, id)
		if src.err != nil {
			return src.err
		}
		withIDFn(first, found)
		cancel = db.subscribeLater(collection, func() func() {
			var once firstCall
			return db.view.subs.SubscribeDoc(collection, id, func(doc map[string]any, ok bool) {
				if !once.first() || ok != found || query.Compare(doc, first) != 0 {
					withIDFn(doc, ok)
				}
			}).Close
		})
		return nil
	})
	return cancel, err
}

// firstCall tells a late subscription's first call from the later ones:
// the first repeats the result its subscriber got from storage, unless a
// commit changed it while the collection loaded.
type firstCall struct{ seen bool }

func (f *firstCall) first() bool {
	first := !f.seen
	f.seen = true
	return first
}

// sameResult reports whether two results hold the same rows, with values
// equal as query.Compare sees them.
func sameResult(a, b query.Result) bool {
	return slices.EqualFunc(a, b, func(x, y query.Row) bool {
		return x.ID == y.ID && query.Compare(x.Doc, y.Doc) == 0
	})
}

// Receive applies a commit notice that another process sharing the storage
// published, so that this process's subscriptions follow its writes. The
// documents whose values the notice left out for their size (and which a
// loaded collection holds) are read from the storage in the background
// and shown once read.
func (db *DB) Receive(msg []byte) error {
	n, err := decodeNotice(msg)
	if err != nil {
		return err
	}
	var stored []docKey
	err = db.reading(func() error {
		sent := n.Docs[:0:0]
		for _, d := range n.Docs {
			switch {
			case !d.Stored:
				sent = append(sent, d)
			case db.view.loaded(d.Collection) || db.view.loading[d.Collection] != nil:
				stored = append(stored, docKey{d.Collection, d.ID})
			}
		}
		db.view.apply(notice{Commit: n.Commit, Docs: sent})
		return nil
	})
	if err == nil && len(stored) > 0 {
		go db.showStored(n.Commit, stored)
	}
	return err
}

// showStored reads documents another tab's commit changed from the storage
// (the commit is durable: notices come after) and shows them as of that
// commit. A failed read leaves the view as it was until the documents
// change again, as a refused notice does.
func (db *DB) showStored(commit uint64, keys []docKey) {
	ctx := context.Background()
	tails, err := db.storedTails(ctx)
	if err != nil {
		return
	}
	values, err := db.committedValues(ctx, keys, tails)
	if err != nil {
		return
	}
	n := notice{Commit: commit, Docs: make([]docValue, len(keys))}
	for i, k := range keys {
		n.Docs[i] = docValue{Collection: k.collection, ID: k.id, Value: values[i]}
	}
	_ = db.reading(func() error {
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

// readingStored is reading for a read of collection that may go to the
// storage (the collection is not loaded): it first waits for the commits
// being stored, which the view did not show (it does not hold the
// collection) and the storage does not hold yet, so that a read follows
// the writes issued before it.
func (db *DB) readingStored(collection string, fn func() error) error {
	return db.reading(func() error {
		for db.flushing && !db.view.loaded(collection) {
			db.idle.Wait()
		}
		if db.closed {
			return ErrClosed
		}
		return fn()
	})
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
