package crdt

import "sort"

// DocKeys returns the collection and id of every document the replica
// holds, existing or deleted (a deleted one keeps its state: a concurrent
// update is ordered against its delete), sorted by collection then id. A
// host that stores documents one by one (EncodeDoc) walks them with it.
func (r *Replica) DocKeys() [][2]string {
	out := make([][2]string, 0, len(r.docs))
	for k := range r.docs {
		out = append(out, [2]string{k.coll, k.id})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}
