package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/hearthdb/hearth/query"
)

// loading is a collection being read into the view in the background. The
// storage is read without holding the DB's lock, so commits and other
// collections' queries go on meanwhile; notices for the collection wait in
// changes and are applied once it is in.
type loading struct {
	done    chan struct{} // closed when the load ended; err says how
	err     error
	changes []pendingChange
	then    []func() // run under the DB's lock once loaded (late subscriptions)
}

// startLoad starts loading collection into the view unless it is loaded
// or loading already. Call it holding db.mu.
func (db *DB) startLoad(collection string) *loading {
	if l := db.view.loading[collection]; l != nil {
		return l
	}
	l := &loading{done: make(chan struct{}), then: db.view.orphans[collection]}
	delete(db.view.orphans, collection)
	db.view.loading[collection] = l
	go db.load(collection, l)
	return l
}

// load reads every stored document of collection, then, under the lock,
// installs them in the view. The commit counter is read first: notices
// above it may or may not be in what the scan saw, and are applied again.
func (db *DB) load(collection string, l *loading) {
	docs, floor, err := db.readCollection(context.Background(), collection)
	db.mu.Lock()
	defer db.mu.Unlock()
	defer close(l.done)
	if db.view.loading[collection] != l { // closed meanwhile
		l.err = ErrClosed
		return
	}
	delete(db.view.loading, collection)
	if err == nil {
		err = db.view.install(collection, floor, docs, l.changes, db.indexes[collection])
	}
	if l.err = err; err != nil {
		// The next load of the collection (any query or subscription
		// starts one) takes over the late subscriptions.
		db.view.orphans[collection] = append(db.view.orphans[collection], l.then...)
		return
	}
	for _, fn := range l.then {
		fn()
	}
}

func (db *DB) readCollection(ctx context.Context, collection string) (docs []query.Change, floor uint64, err error) {
	if floor, err = db.storedCommits(ctx); err != nil {
		return nil, 0, err
	}
	kvs, err := db.storage.Scan(ctx, StoreDocs, collectionPrefix(collection))
	if err != nil {
		return nil, 0, err
	}
	docs = make([]query.Change, len(kvs))
	for i, kv := range kvs {
		_, id, _ := splitDocKey(kv.Key)
		doc, err := decodeValue(kv.Value)
		if err != nil {
			return nil, 0, fmt.Errorf("load %s/%s: %w", collection, id, err)
		}
		docs[i] = query.Change{Collection: collection, ID: id, Doc: doc}
	}
	return docs, floor, nil
}

// ensureLoaded loads collection into the view on first use and waits for
// it. Call it holding db.mu, which it releases while it waits.
func (db *DB) ensureLoaded(ctx context.Context, collection string) error {
	if err := validateCollection(collection); err != nil {
		return err
	}
	for !db.view.loaded(collection) {
		l := db.startLoad(collection)
		db.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
		}
		db.mu.Lock()
		switch {
		case db.closed:
			return ErrClosed
		case ctx.Err() != nil:
			return ctx.Err()
		case l.err != nil:
			return l.err
		}
	}
	return nil
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
