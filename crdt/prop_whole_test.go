package crdt

import "reflect"

// The whole-document property of the convergence test. A replica reads a
// document partially when it lacks, or holds an older value of, a field
// that the document's latest writer read, although nothing the writer did
// not know of touched that field. Precisely, for every replica R, at every
// moment, and every document x, with L the latest change on x that R holds
// (the one whose last operation on x has the greatest stamp) and Q the
// changes on x that R holds outside L and its causal past (the concurrent
// ones):
//
//   - if L's last operation on x deletes it, R reads x as absent (a later
//     delete wins);
//   - if L created x (Put, or a write to a document its author saw
//     absent), R reads x exactly as L's author read it after L: a creation
//     hides everything older than itself;
//   - otherwise R reads x as existing, and unless a change of Q creates x,
//     every top-level field that no operation of Q touches (at any depth)
//     is exactly as L's author read it, present or absent. A delete in Q
//     touches no field: an update ordered after a concurrent delete brings
//     back the whole document as its author knew it, including texts,
//     counters, nested maps and lists.
//
// Fields that Q touches legitimately mix (last-writer-wins values, merged
// texts); convergence covers them.

// docWrite is what one change did to one document.
type docWrite struct {
	last    Stamp          // stamp of the change's last operation on the document
	lastDel bool           // that operation deletes the document
	delOnly bool           // every operation of the change on the document deletes it
	creates bool           // the change creates the document (OpCreateDoc)
	touched []fieldRef     // the map fields and objects its operations write
	view    map[string]any // the document as its author read it after the change; nil: absent
}

// fieldRef names what an operation writes: field key of map obj, or
// object obj itself (key "").
type fieldRef struct {
	obj ID
	key string
}

// authored is a change the network carried, with what it did per document.
type authored struct {
	c    *Change
	docs map[docKey]*docWrite
}

// record notes change c, just made by replica r.
func (nw *network) record(r *Replica, c *Change) {
	a := authored{c: c, docs: map[docKey]*docWrite{}}
	ctr := c.StartCtr
	for i := range c.Ops {
		op := &c.Ops[i]
		k := docKey{op.Coll, op.Doc}
		w := a.docs[k]
		if w == nil {
			w = &docWrite{delOnly: true}
			a.docs[k] = w
		}
		w.last = Stamp{HLC: c.HLC, Actor: c.Actor, Ctr: ctr + op.width() - 1}
		w.lastDel = op.Kind == OpDeleteDoc
		w.delOnly = w.delOnly && w.lastDel
		w.creates = w.creates || op.Kind == OpCreateDoc
		if op.Kind != OpDeleteDoc && op.Kind != OpCreateDoc {
			w.touched = append(w.touched, fieldRef{op.Obj, op.Key})
		}
		ctr += op.width()
	}
	for k, w := range a.docs {
		w.view, _ = r.Get(k.coll, k.id)
	}
	nw.authored = append(nw.authored, a)
}

// inPast reports whether change q is in the causal past of change l.
func inPast(l, q *Change) bool {
	if q.Actor == l.Actor {
		return q.Seq < l.Seq
	}
	return q.Seq <= l.Deps[q.Actor]
}

// checkWhole checks the whole-document property on replica i.
func (nw *network) checkWhole(i int) {
	r := nw.reps[i]
	v := r.Version()
	var held []*authored
	for _, coll := range propColls {
		for _, id := range propDocs {
			k := docKey{coll, id}
			held = held[:0]
			var l *authored
			for j := range nw.authored {
				a := &nw.authored[j]
				if w := a.docs[k]; w != nil && a.c.Seq <= v[a.c.Actor] {
					held = append(held, a)
					if l == nil || w.last.Compare(l.docs[k].last) > 0 {
						l = a
					}
				}
			}
			if l != nil {
				nw.checkDoc(i, k, l, held)
			}
		}
	}
}

func (nw *network) checkDoc(i int, k docKey, l *authored, held []*authored) {
	r, lw := nw.reps[i], l.docs[k]
	got, ok := r.Get(k.coll, k.id)
	if lw.lastDel {
		if ok {
			nw.t.Fatalf("replica %d: %v exists although its latest write (%s seq %d) deletes it: %v", i, k, l.c.Actor, l.c.Seq, got)
		}
		return
	}
	if !ok {
		nw.t.Fatalf("replica %d: %v is absent although its latest write (%s seq %d) is an update", i, k, l.c.Actor, l.c.Seq)
	}
	if lw.creates {
		if !reflect.DeepEqual(got, lw.view) {
			nw.t.Fatalf("replica %d: %v reads %v, its latest write (%s seq %d) created it as %v", i, k, got, l.c.Actor, l.c.Seq, lw.view)
		}
		return
	}
	touched, revived := map[string]bool{}, false
	d := r.docs[k]
	for _, q := range held {
		if q == l || inPast(l.c, q.c) {
			continue
		}
		qw := q.docs[k]
		if qw.creates {
			return // a concurrent, earlier creation hides older fields
		}
		revived = revived || qw.delOnly
		for _, f := range qw.touched {
			touched[d.rootKey(f.obj, f.key)] = true
		}
	}
	if revived {
		nw.revivals++
	}
	for _, m := range []map[string]any{got, lw.view} {
		for f := range m {
			if !touched[f] && !reflect.DeepEqual(got[f], lw.view[f]) {
				nw.t.Fatalf("replica %d: partial document %v: field %q reads %v, its latest writer %s seq %d read %v (document %v, writer's %v)",
					i, k, f, got[f], l.c.Actor, l.c.Seq, lw.view[f], got, lw.view)
			}
		}
	}
}
