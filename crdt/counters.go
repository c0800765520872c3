package crdt

import "math"

// raiseCounters makes next[a] exceed every counter document d uses for
// actor a, so that a snapshot whose stored counters lag its content cannot
// lead a later change to reuse IDs. For snapshots this package wrote it
// changes nothing.
func (d *docState) raiseCounters(next map[ActorID]uint64) {
	bump := func(a ActorID, last uint64) {
		if a != "" && next[a] <= last {
			next[a] = min(last, math.MaxUint64-1) + 1
		}
	}
	bump(d.del.Actor, d.del.Ctr)
	bump(d.live.Actor, d.live.Ctr)
	bump(d.base.Actor, d.base.Ctr)
	for id, o := range d.objs {
		bump(id.Actor, id.Ctr)
		for _, e := range o.fields {
			bump(e.stamp.Actor, e.stamp.Ctr)
		}
		if o.text != nil {
			o.text.each(func(r *run[rune]) { bump(r.id.Actor, r.id.Ctr+uint64(r.n)-1) })
		}
		if o.list != nil {
			o.list.each(func(r *run[any]) { bump(r.id.Actor, r.id.Ctr+uint64(r.n)-1) })
		}
	}
}
