package query

import (
	"cmp"
	"reflect"
	"slices"
	"sync"
)

// Registry holds the subscriptions of one database and routes each
// transaction's changes to the subscriptions of the touched collections and
// documents only. Callbacks run after the whole transaction is processed,
// at most once per subscription, and only when its result changed; they run
// on the goroutine that called Apply, outside the Registry's lock, so they
// may subscribe, close or query.
type Registry struct {
	src  Source
	mu   sync.Mutex
	seq  uint64
	subs map[string][]*Subscription    // by collection
	docs map[docKey][]*DocSubscription // by document
}

type docKey struct{ collection, id string }

// NewRegistry returns a Registry whose live queries read src.
func NewRegistry(src Source) *Registry {
	return &Registry{src: src, subs: map[string][]*Subscription{}, docs: map[docKey][]*DocSubscription{}}
}

// Subscription is a live query registered with a Registry.
type Subscription struct {
	reg    *Registry
	live   *Live
	fn     func(Result)
	seq    uint64
	closed bool
}

// DocSubscription follows a single document.
type DocSubscription struct {
	reg    *Registry
	key    docKey
	fn     func(doc map[string]any, ok bool)
	doc    map[string]any
	ok     bool
	seq    uint64
	closed bool
}

// Subscribe registers a live query and calls fn with its current result
// before returning, then after every transaction that changes the result.
func (r *Registry) Subscribe(q Query, fn func(Result)) (*Subscription, error) {
	r.mu.Lock()
	live, err := NewLive(r.src, q)
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	r.seq++
	s := &Subscription{reg: r, live: live, fn: fn, seq: r.seq}
	r.subs[q.Collection] = append(r.subs[q.Collection], s)
	res := live.Result()
	r.mu.Unlock()
	fn(res)
	return s, nil
}

// SubscribeDoc follows one document: it calls fn with the document (ok
// false when absent) before returning, then after every transaction that
// creates, changes or deletes it.
func (r *Registry) SubscribeDoc(collection, id string, fn func(doc map[string]any, ok bool)) *DocSubscription {
	r.mu.Lock()
	r.seq++
	k := docKey{collection, id}
	s := &DocSubscription{reg: r, key: k, fn: fn, seq: r.seq}
	s.doc, s.ok = r.src.Get(collection, id)
	r.docs[k] = append(r.docs[k], s)
	doc, ok := s.doc, s.ok
	r.mu.Unlock()
	fn(doc, ok)
	return s
}

// Result returns the subscription's current result.
func (s *Subscription) Result() Result {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return s.live.Result()
}

// Close unregisters the subscription; its callback is not called again.
func (s *Subscription) Close() {
	r := s.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	s.closed = true
	coll := s.live.Query().Collection
	r.subs[coll] = slices.DeleteFunc(r.subs[coll], func(x *Subscription) bool { return x == s })
	if len(r.subs[coll]) == 0 {
		delete(r.subs, coll)
	}
}

// Doc returns the document's current version, ok false when absent.
func (s *DocSubscription) Doc() (doc map[string]any, ok bool) {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return s.doc, s.ok
}

// Close unregisters the subscription; its callback is not called again.
func (s *DocSubscription) Close() {
	r := s.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	s.closed = true
	r.docs[s.key] = slices.DeleteFunc(r.docs[s.key], func(x *DocSubscription) bool { return x == s })
	if len(r.docs[s.key]) == 0 {
		delete(r.docs, s.key)
	}
}

// notice is a callback due at the end of a transaction.
type notice struct {
	seq  uint64
	call func() // runs the callback unless closed meanwhile
}

// Apply takes the changes of one committed transaction, local or remote,
// after they have been applied to the Source, and notifies every
// subscription whose result changed, once, in subscription order.
func (r *Registry) Apply(changes []Change) {
	r.mu.Lock()
	due := r.applyQueries(changes)
	due = append(due, r.applyDocs(changes)...)
	r.mu.Unlock()
	slices.SortFunc(due, func(a, b notice) int { return cmp.Compare(a.seq, b.seq) })
	for _, n := range due {
		n.call()
	}
}

func (r *Registry) applyQueries(changes []Change) []notice {
	var due []notice
	seen := map[string]bool{}
	for _, ch := range changes {
		if seen[ch.Collection] {
			continue
		}
		seen[ch.Collection] = true
		for _, s := range r.subs[ch.Collection] {
			if s.live.Apply(changes) {
				due = append(due, notice{s.seq, r.queryCall(s, s.live.Result())})
			}
		}
	}
	return due
}

func (r *Registry) queryCall(s *Subscription, res Result) func() {
	return func() {
		if r.isClosed(&s.closed) {
			return
		}
		s.fn(res)
	}
}

func (r *Registry) applyDocs(changes []Change) []notice {
	last := map[docKey]map[string]any{}
	var keys []docKey
	for _, ch := range changes {
		k := docKey{ch.Collection, ch.ID}
		if _, ok := r.docs[k]; !ok {
			continue
		}
		if _, seen := last[k]; !seen {
			keys = append(keys, k)
		}
		last[k] = ch.Doc
	}
	var due []notice
	for _, k := range keys {
		doc := last[k]
		for _, s := range r.docs[k] {
			if s.ok == (doc != nil) && reflect.DeepEqual(s.doc, doc) {
				continue
			}
			s.doc, s.ok = doc, doc != nil
			due = append(due, notice{s.seq, r.docCall(s, s.doc, s.ok)})
		}
	}
	return due
}

func (r *Registry) docCall(s *DocSubscription, doc map[string]any, ok bool) func() {
	return func() {
		if r.isClosed(&s.closed) {
			return
		}
		s.fn(doc, ok)
	}
}

func (r *Registry) isClosed(flag *bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *flag
}
