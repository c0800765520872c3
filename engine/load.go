package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/hearthdb/hearth/query"
)

// loading is a collection being read into the view. The storage is read
// by a goroutine without the DB's lock, so that commits and other queries
// go on meanwhile; notices for the collection wait in changes. Whoever
// holds the lock first once the read is over installs it: the goroutine,
// or a caller of ensureLoaded that held the lock while it waited, so that
// its subscription or query comes before any later commit.
type loading struct {
	scanned chan struct{} // closed when the read ended: docs, floor, err are set
	docs    []query.Change
	floor   uint64
	err     error
	changes []pendingChange
	then    []func() // run under the DB's lock once installed (late subscriptions)
}

// startLoad starts loading collection into the view unless it is loading
// already. Call it holding db.mu.
func (db *DB) startLoad(collection string) *loading {
	if l := db.view.loading[collection]; l != nil {
		return l
	}
	l := &loading{scanned: make(chan struct{}), then: db.view.orphans[collection]}
	delete(db.view.orphans, collection)
	db.view.loading[collection] = l
	go func() {
		l.docs, l.floor, l.err = db.readCollection(context.Background(), collection)
		close(l.scanned)
		db.mu.Lock()
		defer db.mu.Unlock()
		_ = db.install(collection, l) // an error waits for the next caller
	}()
	return l
}

// install puts a read collection into the view, with the notices that
// arrived meanwhile, then runs its late subscriptions. It does nothing if
// another caller installed it already (or the DB closed). Call it holding
// db.mu, after l.scanned is closed.
func (db *DB) install(collection string, l *loading) error {
	if db.view.loading[collection] != l {
		return l.err
	}
	delete(db.view.loading, collection)
	if l.err == nil {
		l.err = db.view.install(collection, l.floor, l.docs, l.changes, db.indexes[collection])
	}
	if l.err != nil {
		// The next load of the collection (any query or subscription
		// starts one) takes over the late subscriptions.
		db.view.orphans[collection] = append(db.view.orphans[collection], l.then...)
		return l.err
	}
	l.docs = nil
	for _, fn := range l.then {
		fn()
	}
	return nil
}

// readCollection reads every stored document of collection. The commit
// counter is read first: notices above it may or may not be in what the
// scan saw, and are applied again.
func (db *DB) readCollection(ctx context.Context, collection string) (docs []query.Change, floor uint64, err error) {
	if floor, err = db.storedCommits(ctx); err != nil {
		return nil, 0, err
	}
	docs, err = db.storedDocs(ctx, collection)
	return docs, floor, err
}

// storedDocs reads and decodes every stored document of collection: the
// checkpoint values, then the documents with a tail as committedValues
// reads them.
func (db *DB) storedDocs(ctx context.Context, collection string) ([]query.Change, error) {
	tails, err := db.storedTails(ctx)
	if err != nil {
		return nil, err
	}
	kvs, err := db.storage.Scan(ctx, StoreDocs, collectionPrefix(collection))
	if err != nil {
		return nil, err
	}
	docs := make([]query.Change, 0, len(kvs))
	var dec valueDecoder
	for _, kv := range kvs {
		if _, tailed := tails[kv.Key]; tailed {
			continue
		}
		_, id, _ := splitDocKey(kv.Key)
		doc, err := dec.decodeStored(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("load %s/%s: %w", collection, id, err)
		}
		docs = append(docs, query.Change{Collection: collection, ID: id, Doc: doc})
	}
	var tailed []docKey
	for key := range tails {
		if c, id, _ := splitDocKey(key); c == collection {
			tailed = append(tailed, docKey{c, id})
		}
	}
	values, err := db.committedValues(ctx, tailed, tails)
	if err != nil {
		return nil, err
	}
	for i, k := range tailed {
		if values[i] != nil {
			docs = append(docs, query.Change{Collection: collection, ID: k.id, Doc: values[i]})
		}
	}
	return docs, nil
}

// ensureLoaded loads collection into the view on first use. Call it holding
// db.mu, which it keeps while it waits: operations issued after this one
// (a commit, say) wait too, and come after it.
func (db *DB) ensureLoaded(ctx context.Context, collection string) error {
	if err := validateCollection(collection); err != nil {
		return err
	}
	if db.view.loaded(collection) {
		return nil
	}
	l := db.startLoad(collection)
	select {
	case <-l.scanned:
	case <-ctx.Done():
		return ctx.Err()
	}
	return db.install(collection, l)
}

// lateSub is a subscription answered from storage while its collection
// loads; it joins the view's registry once the collection is in.
type lateSub struct {
	mu     sync.Mutex
	cancel func()
	closed bool
}

// subscribeLater runs register (which subscribes to the view and returns
// the cancel function) under the lock once collection is loaded, starting
// the load if needed. The returned function cancels the subscription,
// registered or not.
func (db *DB) subscribeLater(collection string, register func() func()) (cancel func()) {
	s := &lateSub{}
	l := db.startLoad(collection)
	l.then = append(l.then, func() {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		c := register() // calls back at once: not under s.mu, so it may cancel
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c()
			return
		}
		s.cancel = c
		s.mu.Unlock()
	})
	return func() {
		s.mu.Lock()
		s.closed = true
		c := s.cancel
		s.mu.Unlock()
		if c != nil {
			c()
		}
	}
}
