package crdt

import (
	"bytes"
	"fmt"
	"sort"
)

// dumpDoc renders a document's internal state, for failure messages of
// the convergence test.
func dumpDoc(d *docState) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "del %v live %v base %v\n", d.del, d.live, d.base)
	var ids []ID
	for id := range d.objs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	for _, id := range ids {
		o := d.objs[id]
		fmt.Fprintf(&b, "obj %v kind %d parent %v key %q count %d\n", id, o.kind, o.parent, o.key, o.count)
		var ks []string
		for k := range o.fields {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(&b, "  %q: %+v\n", k, o.fields[k])
		}
		if o.text != nil {
			segs, vals := segments(o.text)
			fmt.Fprintf(&b, "  text %q %+v\n", string(vals), segs)
		}
		if o.list != nil {
			segs, vals := segments(o.list)
			fmt.Fprintf(&b, "  list %v %+v\n", vals, segs)
		}
	}
	return b.String()
}
