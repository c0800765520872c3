package query

import (
	"cmp"
	"reflect"
	"slices"
	"sync"
)

// Registry holds the subscriptions of one database and routes each
// transaction's changes to the subscriptions of the touched collections and
// documents only. Callbacks run at most once per subscription and
// transaction, only when its result changed, in subscription order, each as
// soon as its subscription is up to date; they run on the goroutine that
// called Apply, outside the Registry's lock, so they may subscribe, close
// or query.
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

// step brings one subscription up to date with a transaction: either the
// live query sub with the changes t to its collection, or the document
// subscription doc with its new version val.
type step struct {
	seq uint64
	sub *Subscription
	t   *touch
	doc *DocSubscription
	val map[string]any
}

// Apply takes the changes of one committed transaction, local or remote,
// after they have been applied to the Source, and notifies every
// subscription whose result changed, once, in subscription order. Each
// subscription is called as soon as it is brought up to date, before the
// next one is, so the first subscriber hears of the change without waiting
// for every other query to be re-run.
func (r *Registry) Apply(changes []Change) {
	r.mu.Lock()
	steps := r.docSteps(changes, r.querySteps(changes))
	r.mu.Unlock()
	slices.SortFunc(steps, func(a, b step) int { return cmp.Compare(a.seq, b.seq) })
	for _, st := range steps {
		r.mu.Lock()
		call := r.update(st)
		r.mu.Unlock()
		if call != nil {
			call()
		}
	}
}

// update runs a step under the Registry's lock and returns the callback
// due, if any.
func (r *Registry) update(st step) (call func()) {
	if s := st.sub; s != nil {
		if s.closed || !s.live.apply(st.t) {
			return nil
		}
		return r.queryCall(s, s.live.Result())
	}
	s, doc := st.doc, st.val
	if s.closed || (s.ok == (doc != nil) && reflect.DeepEqual(s.doc, doc)) {
		return nil
	}
	s.doc, s.ok = doc, doc != nil
	return r.docCall(s, s.doc, s.ok)
}

// querySteps returns a step for each live query over a collection in
// changes; the changes to a collection are collected once for all of them.
func (r *Registry) querySteps(changes []Change) []step {
	var steps []step
	var done []string // collections already stepped
	for _, ch := range changes {
		if slices.Contains(done, ch.Collection) {
			continue
		}
		done = append(done, ch.Collection)
		subs := r.subs[ch.Collection]
		if len(subs) == 0 {
			continue
		}
		t := touchOf(ch.Collection, changes)
		steps = slices.Grow(steps, len(subs))
		for _, s := range subs {
			steps = append(steps, step{seq: s.seq, sub: s, t: t})
		}
	}
	return steps
}

func (r *Registry) queryCall(s *Subscription, res Result) func() {
	return func() {
		if r.isClosed(&s.closed) {
			return
		}
		s.fn(res)
	}
}

// docSteps appends to steps one for each subscription to a document in
// changes, with the document's last version.
func (r *Registry) docSteps(changes []Change, steps []step) []step {
	if len(r.docs) == 0 {
		return steps
	}
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
	for _, k := range keys {
		for _, s := range r.docs[k] {
			steps = append(steps, step{seq: s.seq, doc: s, val: last[k]})
		}
	}
	return steps
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
