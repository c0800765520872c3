package engine

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"unicode/utf8"

	"github.com/hearthdb/hearth/crdt"
)

// A local commit's subscribers hear of it before its CRDT transaction runs
// (most of a commit's time): predict works out from the documents' current
// values what the ops will leave of them, as the replica reads them back,
// and the view shows that at once. persist then checks the transaction's
// outcome against it, and corrects the view in the rare case it differs.
// Ops whose outcome is not plain to tell (counters, text edits, a value
// the CRDT would refuse) are not predicted: their commit is shown once its
// transaction ran, as remote changes are.

// shown is a commit the view showed before its transaction ran.
type shown struct {
	docs []docValue // the predicted documents; Value nil for a deleted one
	undo undo       // takes the showing back
}

// show predicts the outcome of ops and shows it to the subscriptions, as
// the commit with counter commit; nil when it does not predict.
func (db *DB) show(ops []Op, commit uint64) *shown {
	docs, ok := db.predict(ops)
	if !ok || len(docs) == 0 {
		return nil
	}
	return &shown{docs: docs, undo: db.view.apply(notice{Commit: commit, Docs: docs})}
}

// matches reports whether the transaction's outcome, n, is what s showed.
func (s *shown) matches(n notice) bool {
	if len(n.Docs) != len(s.docs) {
		return false
	}
	for i, d := range n.Docs {
		p := s.docs[i]
		if p.Collection != d.Collection || p.ID != d.ID { // the orders differ
			j := slices.IndexFunc(s.docs, func(p docValue) bool { return p.Collection == d.Collection && p.ID == d.ID })
			if j < 0 {
				return false
			}
			p = s.docs[j]
		}
		if !reflect.DeepEqual(p.Value, d.Value) {
			return false
		}
	}
	return true
}

// unshow takes back a showing whose transaction then failed or made no
// change; in Strict mode a wrong prediction panics, so tests find it.
func (db *DB) unshow(s *shown, why string) {
	db.view.revert(s.undo)
	if db.opts.Strict {
		panic(fmt.Sprintf("engine: a commit showed %v before its transaction, which %s", s.docs, why))
	}
}

// predict returns the documents ops change, in the order the transaction
// touches them, with the values it will leave; ok is false when it cannot
// tell, and for ops on a collection the view has not loaded.
func (db *DB) predict(ops []Op) (docs []docValue, ok bool) {
	if mayBeTooLarge(ops) { // changesize.go: it may be refused, so it is shown only once it is not
		return nil, false
	}
	at := make(map[docKey]int, len(ops)) // a document's place in docs
	changed := make([]bool, 0, len(ops)) // whether the ops write the document
	for i := range ops {
		op := &ops[i]
		if !db.view.loaded(op.Collection) || db.view.loading[op.Collection] != nil || validateAddress(op.Collection, op.ID) != nil {
			return nil, false
		}
		k := docKey{op.Collection, op.ID}
		j, seen := at[k]
		if !seen {
			var cur map[string]any
			if op.Kind != OpPut { // a put's outcome owes nothing to what it replaces
				cur, _ = db.replica.Get(k.collection, k.id) // nil when absent
			}
			j = len(docs)
			at[k] = j
			docs = append(docs, docValue{Collection: k.collection, ID: k.id, Value: cur})
			changed = append(changed, false)
		}
		next, writes, ok := op.predict(docs[j].Value)
		if !ok {
			return nil, false
		}
		docs[j].Value = next
		changed[j] = changed[j] || writes
	}
	kept := docs[:0]
	for j, d := range docs {
		if changed[j] {
			kept = append(kept, d)
		}
	}
	return kept, true
}

// predict returns the document op leaves of current (nil: absent), and
// whether it writes it at all; ok is false when it cannot tell.
func (op *Op) predict(current map[string]any) (next map[string]any, writes, ok bool) {
	switch op.Kind {
	case OpPut:
		doc, isMap := op.Value.(map[string]any)
		if !isMap {
			return nil, false, false
		}
		next = make(map[string]any, len(doc))
		for k, v := range doc {
			if k == "id" {
				continue
			}
			if next[k], ok = shownValue(v, 1); !ok {
				return nil, false, false
			}
		}
		return next, true, true
	case OpUpdate:
		patch, isMap := op.Value.(map[string]any)
		if current == nil || !isMap {
			return nil, false, false
		}
		return op.predictMerge(0, patch, current)
	case OpDelete:
		return nil, current != nil, true
	}
	return nil, false, false
}

// predictMerge is merge's outcome on current, depth levels down.
func (op *Op) predictMerge(depth int, patch, current map[string]any) (next map[string]any, writes, ok bool) {
	next = maps.Clone(current)
	for k, v := range patch {
		if depth == 0 && k == "id" {
			if v != op.ID {
				return nil, false, false
			}
			continue
		}
		if !utf8.ValidString(k) {
			return nil, false, false
		}
		sub, isMap := v.(map[string]any)
		_, present := current[k]
		cur, curIsMap := current[k].(map[string]any)
		switch {
		case isMap && sub[markerKey] == markerDelete:
			if present {
				delete(next, k)
				writes = true
			}
			continue
		case isMap && curIsMap && sub[markerKey] == nil:
			nested, w, ok := op.predictMerge(depth+1, sub, cur)
			if !ok {
				return nil, false, false
			}
			next[k], writes = nested, writes || w
			continue
		}
		if next[k], ok = shownValue(v, depth+1); !ok {
			return nil, false, false
		}
		writes = true
	}
	return next, writes, true
}

// shownValue is v, a field's new value depth levels down, as the replica
// will read it back.
func shownValue(v any, depth int) (any, bool) {
	conv, err := fromMarkers(v)
	if err != nil {
		return nil, false
	}
	m, err := crdt.Materialize(conv, depth)
	return m, err == nil
}
