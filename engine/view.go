package engine

import (
	"cmp"
	"slices"

	"github.com/hearthdb/hearth/query"
)

// viewState holds the values of the collections that queries have read
// (loaded whole, in the background, on first use, then kept current), their
// indexes, and the subscriptions over them.
type viewState struct {
	store *query.Store
	subs  *query.Registry
	// floor is, per loaded collection, the commit counter read before the
	// collection was loaded: notices at or below it are already included.
	floor map[string]uint64
	// commit is the counter of the newest notice applied per document, so
	// notices from several tabs arriving out of order never go back in time.
	commit map[docKey]uint64
	// loading holds the collections being loaded (load.go), with the
	// notices that arrive for them meanwhile.
	loading map[string]*loading
	// orphans are late subscriptions of collections whose load failed,
	// for the next load to take over.
	orphans map[string][]func()
}

// pendingChange is a document of a notice for a collection still loading.
type pendingChange struct {
	commit uint64
	doc    docValue
}

func newViewState() *viewState {
	store := query.NewStore()
	return &viewState{store: store, subs: query.NewRegistry(store), floor: map[string]uint64{},
		commit: map[docKey]uint64{}, loading: map[string]*loading{}, orphans: map[string][]func(){}}
}

func (v *viewState) loaded(collection string) bool {
	_, ok := v.floor[collection]
	return ok
}

// undo is what revert needs to take back an apply: the documents as they
// were, the commits they were at, and the commit whose changes to drop from
// collections still loading.
type undo struct {
	changes []query.Change
	commits []uint64
	commit  uint64
}

// apply brings a commit's documents into the loaded collections and
// notifies the subscriptions whose results changed, once each. It returns
// what revert needs to take it back.
func (v *viewState) apply(n notice) undo {
	var changes []query.Change
	u := undo{commit: n.Commit}
	for _, d := range n.Docs {
		k := docKey{d.Collection, d.ID}
		if l := v.loading[d.Collection]; l != nil {
			l.changes = append(l.changes, pendingChange{n.Commit, d})
			continue
		}
		floor, ok := v.floor[d.Collection]
		if !ok || n.Commit <= floor || n.Commit <= v.commit[k] {
			continue
		}
		old, _ := v.store.Get(d.Collection, d.ID)
		u.changes = append(u.changes, query.Change{Collection: d.Collection, ID: d.ID, Doc: old})
		u.commits = append(u.commits, v.commit[k])
		v.commit[k] = n.Commit
		changes = append(changes, query.Change{Collection: d.Collection, ID: d.ID, Doc: d.Value})
	}
	v.publish(changes)
	return u
}

// revert takes back an apply whose commit the storage refused.
func (v *viewState) revert(u undo) {
	for _, l := range v.loading {
		l.changes = slices.DeleteFunc(l.changes, func(p pendingChange) bool { return p.commit == u.commit })
	}
	for i, c := range u.changes {
		v.commit[docKey{c.Collection, c.ID}] = u.commits[i]
	}
	v.publish(u.changes)
}

func (v *viewState) publish(changes []query.Change) {
	if len(changes) == 0 {
		return
	}
	v.store.Apply(changes)
	v.subs.Apply(changes)
	v.store.SettleIndexes() // after the subscribers heard: few live queries read an index
}

// install makes a collection loaded: its stored documents, read when the
// commit counter was floor, its indexes, then the notices that arrived
// while it loaded, in commit order, where newer than what it holds.
func (v *viewState) install(collection string, floor uint64, docs []query.Change, pending []pendingChange, indexes []string) error {
	v.store.Apply(docs)
	for _, field := range indexes {
		if err := v.store.CreateIndex(collection, field); err != nil {
			return err
		}
	}
	v.floor[collection] = floor
	slices.SortStableFunc(pending, func(a, b pendingChange) int { return cmp.Compare(a.commit, b.commit) })
	for _, p := range pending {
		v.apply(notice{Commit: p.commit, Docs: []docValue{p.doc}})
	}
	return nil
}

// close drops the loaded values.
func (v *viewState) close() {
	*v = *newViewState()
}
