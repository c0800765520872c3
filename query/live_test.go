package query

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestLiveMatchesFreshQuery applies random transactions and checks after
// each that every subscription equals a fresh query and the reference, and
// was called back exactly when its result changed, at most once.
func TestLiveMatchesFreshQuery(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGen(seed)
	for round := range 6 {
		store := indexedStore()
		docs := map[string]map[string]any{}
		for range 40 {
			id, doc := g.id(), g.doc()
			store.Put("c", id, doc)
			docs[id] = doc
		}
		reg := NewRegistry(store)
		subs, calls, last := subscribeRandom(t, g, reg, 25)
		dsub, dcalls := subscribeDoc(reg, "d07")
		for tx := range 60 {
			before := docs["d07"]
			batch := g.batch(docs)
			for i := range calls {
				calls[i] = 0
			}
			*dcalls = 0
			store.Apply(batch)
			reg.Apply(batch)
			if err := store.Check(); err != nil {
				t.Fatal(err)
			}
			for i, s := range subs {
				q := s.live.Query()
				fresh, _ := Run(store, q)
				want := refRun(docs, q)
				got := s.Result()
				if err := s.live.Check(); err != nil {
					t.Fatal(err)
				}
				ctx := fmt.Sprintf("round %d tx %d sub %d %s", round, tx, i, describe(q))
				if !sameResult(got, want) || !sameResult(fresh, want) {
					t.Fatalf("%s:\n live %v\nfresh %v\n want %v", ctx, got, fresh, want)
				}
				changed := !sameResult(last[i], want)
				if calls[i] > 1 || (calls[i] == 1) != changed {
					t.Fatalf("%s: %d callbacks, changed=%v", ctx, calls[i], changed)
				}
				last[i] = want
			}
			checkDocSub(t, dsub, *dcalls, before, docs["d07"])
		}
	}
}

// batch returns a random transaction over docs, which it updates.
func (g *gen) batch(docs map[string]map[string]any) []Change {
	var out []Change
	for range 1 + g.r.IntN(4) {
		id := g.id()
		switch g.r.IntN(5) {
		case 0:
			out = append(out, Change{Collection: "c", ID: id})
			delete(docs, id)
		case 1:
			if old, ok := docs[id]; ok { // rewrite the same content
				out = append(out, Change{Collection: "c", ID: id, Doc: old})
				continue
			}
			fallthrough
		default:
			doc := g.doc()
			out = append(out, Change{Collection: "c", ID: id, Doc: doc})
			docs[id] = doc
		}
	}
	if g.r.IntN(4) == 0 {
		out = append(out, Change{Collection: "other", ID: "x", Doc: map[string]any{}})
	}
	return out
}

func subscribeRandom(t *testing.T, g *gen, reg *Registry, n int) ([]*Subscription, []int, []Result) {
	subs := make([]*Subscription, n)
	calls := make([]int, n)
	last := make([]Result, n)
	for i := range subs {
		q := g.query()
		if i%2 == 0 { // favour limited windows ordered by indexed fields
			q.OrderBy = append([]Order{{Field: []string{"a", "n", "s"}[i%3], Desc: i%4 == 0}}, q.OrderBy...)
			q.Limit = 1 + g.r.IntN(5)
		}
		s, err := reg.Subscribe(q, func(r Result) {
			if calls[i]++; calls[i] == 1 && last[i] == nil {
				last[i] = r
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = s
		if calls[i] != 1 {
			t.Fatalf("initial callback called %d times", calls[i])
		}
	}
	return subs, calls, last
}

func subscribeDoc(reg *Registry, id string) (*DocSubscription, *int) {
	calls := new(int)
	s := reg.SubscribeDoc("c", id, func(map[string]any, bool) { *calls++ })
	*calls = 0
	return s, calls
}

func checkDocSub(t *testing.T, s *DocSubscription, calls int, before, want map[string]any) {
	t.Helper()
	doc, ok := s.Doc()
	if ok != (want != nil) || !reflect.DeepEqual(doc, want) {
		t.Fatalf("doc subscription holds %v, want %v", doc, want)
	}
	changed := (before == nil) != (want == nil) || !reflect.DeepEqual(before, want)
	if calls > 1 || (calls == 1) != changed {
		t.Fatalf("doc subscription called %d times, changed=%v", calls, changed)
	}
}

func TestRegistryClose(t *testing.T) {
	s := NewStore()
	reg := NewRegistry(s)
	n := 0
	sub, err := reg.Subscribe(Query{Collection: "c"}, func(Result) { n++ })
	if err != nil {
		t.Fatal(err)
	}
	put := []Change{{Collection: "c", ID: "a", Doc: map[string]any{"v": 1.0}}}
	s.Apply(put)
	reg.Apply(put)
	sub.Close()
	put = []Change{{Collection: "c", ID: "b", Doc: map[string]any{"v": 2.0}}}
	s.Apply(put)
	reg.Apply(put)
	if n != 2 {
		t.Fatalf("%d callbacks, want 2 (initial and first write)", n)
	}
	if len(reg.subs) != 0 {
		t.Fatal("closed subscription still registered")
	}
	if _, err := reg.Subscribe(Query{}, func(Result) {}); err == nil {
		t.Fatal("invalid query subscribed")
	}
}
