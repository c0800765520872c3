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

// apply brings a commit's documents into the loaded collections and
// notifies the subscriptions whose results changed, once each.
func (v *viewState) apply(n notice) {
	var changes []query.Change
	for _, d := range n.Docs {
		k := docKey{d.Collection, d.ID}
		floor, ok := v.floor[d.Collection]
		if !ok || n.Commit <= floor || n.Commit <= v.commit[k] {
			continue
		}
		v.commit[k] = n.Commit
		changes = append(changes, query.Change{Collection: d.Collection, ID: d.ID, Doc: d.Value})
	}
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
