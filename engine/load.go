package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

	// What the read has got so far, for the queries that the first pages
	// answer (prefixQuery), guarded by mu.
	mu     sync.Mutex
	read   []query.Change // every document whose id is at most bound
	bound  string         // the id of the last document read
	paged  chan struct{}  // closed, and replaced, at each page
	floor0 uint64         // floor, once read
}

// progress records a page of the read: read holds the documents up to
// bound.
func (l *loading) progress(read []query.Change, bound string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.read, l.bound = read, bound
	close(l.paged)
	l.paged = make(chan struct{})
}

// sofar returns what the read has got so far, and a channel closed at its
// next page.
func (l *loading) sofar() (read []query.Change, bound string, floor uint64, paged <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.read, l.bound, l.floor0, l.paged
}

// startLoad starts loading collection into the view unless it is loading
// already. Call it holding db.mu.
func (db *DB) startLoad(collection string) *loading {
	if l := db.view.loading[collection]; l != nil {
		return l
	}
	l := &loading{scanned: make(chan struct{}), then: db.view.orphans[collection], paged: make(chan struct{})}
	delete(db.view.orphans, collection)
	db.view.loading[collection] = l
	go func() {
		l.docs, l.floor, l.err = db.readCollection(context.Background(), collection, l)
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

// readCollection reads every stored document of collection, telling l
// of each page. The commit counter is read first: notices above it may or
// may not be in what the scan saw, and are applied again.
func (db *DB) readCollection(ctx context.Context, collection string, l *loading) (docs []query.Change, floor uint64, err error) {
	if floor, err = db.storedCommits(ctx); err != nil {
		return nil, 0, err
	}
	l.mu.Lock()
	l.floor0 = floor
	l.mu.Unlock()
	docs, err = db.storedDocs(ctx, collection, l.progress)
	return docs, floor, err
}

// storedDocs reads and decodes every stored document of collection, a
// page of the storage's scan at a time: its checkpoint values, and the
// documents with a tail (read as committedValues reads them) whose ids
// the page's reach. After each page, progress gets the documents read so
// far: every document whose id is at most bound, the id of the page's
// last. progress may be nil.
func (db *DB) storedDocs(ctx context.Context, collection string, progress func(read []query.Change, bound string)) ([]query.Change, error) {
	tails, err := db.storedTails(ctx)
	if err != nil {
		return nil, err
	}
	var tailed []docKey
	for key := range tails {
		if c, id, _ := splitDocKey(key); c == collection {
			tailed = append(tailed, docKey{c, id})
		}
	}
	slices.SortFunc(tailed, func(a, b docKey) int { return strings.Compare(a.id, b.id) })
	var docs []query.Change
	var dec valueDecoder
	err = scanPages(ctx, db.storage, StoreDocs, collectionPrefix(collection), func(kvs []KV) error {
		var bound string
		for _, kv := range kvs {
			_, id, _ := splitDocKey(kv.Key)
			bound = id
			if _, tailed := tails[kv.Key]; tailed {
				continue
			}
			doc, err := dec.decodeStored(kv.Value)
			if err != nil {
				return fmt.Errorf("load %s/%s: %w", collection, id, err)
			}
			if doc == nil {
				continue // deleted: its record keeps the state
			}
			docs = append(docs, query.Change{Collection: collection, ID: id, Doc: doc})
		}
		n := 0 // the tailed documents up to bound
		for n < len(tailed) && tailed[n].id <= bound {
			n++
		}
		if docs, err = db.appendCommitted(ctx, docs, tailed[:n], tails); err != nil {
			return err
		}
		tailed = tailed[n:]
		if progress != nil {
			progress(docs, bound)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.appendCommitted(ctx, docs, tailed, tails)
}

// appendCommitted appends to docs the documents keys (of docs'
// collection) that exist, read as committedValues reads them.
func (db *DB) appendCommitted(ctx context.Context, docs []query.Change, keys []docKey, tails map[string]uint64) ([]query.Change, error) {
	if len(keys) == 0 {
		return docs, nil
	}
	values, err := db.committedValues(ctx, keys, tails)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		if values[i] != nil {
			docs = append(docs, query.Change{Collection: k.collection, ID: k.id, Doc: values[i]})
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
