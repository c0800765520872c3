package engine

import (
	"github.com/hearthdb/hearth/query"
)

// viewState holds the values of the collections that queries have read
// (loaded whole on first use, then kept current), their indexes, and the
// subscriptions over them.
type viewState struct {
	store *query.Store
	subs  *query.Registry
	// floor is, per loaded collection, the commit counter read before the
	// collection was loaded: notices at or below it are already included.
	floor map[string]uint64
	// commit is the counter of the newest notice applied per document, so
	// notices from several tabs arriving out of order never go back in time.
	commit map[docKey]uint64
}

func newViewState() *viewState {
	store := query.NewStore()
	return &viewState{store: store, subs: query.NewRegistry(store), floor: map[string]uint64{}, commit: map[docKey]uint64{}}
}

func (v *viewState) loaded(collection string) bool {
	_, ok := v.floor[collection]
	return ok
}

// undo is what revert needs to take back an apply: the documents as they
// were, and the commits they were at.
type undo struct {
	changes []query.Change
	commits []uint64
}

// apply brings a commit's documents into the loaded collections and
// notifies the subscriptions whose results changed, once each. It returns
// what revert needs to take it back.
func (v *viewState) apply(n notice) undo {
	var changes []query.Change
	var u undo
	for _, d := range n.Docs {
		k := docKey{d.Collection, d.ID}
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
}

// close drops the loaded values.
func (v *viewState) close() {
	*v = *newViewState()
}
