package engine

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"unicode/utf8"

	"github.com/hearthdb/hearth/crdt"
)

// Document values on the write path. Reading a document's value from the
// replica (crdt.Replica.Get) builds it whole, text included: for a large
// note, most of a keystroke's cost. So the engine keeps the value of each
// loaded document, and the texts that edits changed as live texts
// (livetext.go), edited in place: by a local edit as it applies, by the
// splices of remote changes made only of text edits. The value then lags
// its texts (stale) until a reader asks for it (currentValue), which is
// once per storage commit at most for a note being typed into.

// currentValue returns the value of loaded document k (nil when absent),
// building it from the replica, or bringing the texts edits changed in
// place into it, if need be.
func (db *DB) currentValue(k docKey) (map[string]any, bool) {
	d := db.loaded[k]
	switch {
	case !d.cached:
		d.value, _ = db.replica.Get(k.collection, k.id)
		d.cached, d.texts, d.stale = true, nil, false
	case d.stale:
		d.value, d.stale = withTexts(d.value, d.texts), false
	}
	return d.value, d.value != nil
}

// liveTextOf returns the live text at path of loaded document k, made from
// its value the first time; nil when the value holds no text there.
func (db *DB) liveTextOf(k docKey, path []string) *liveText {
	d := db.loaded[k]
	if d == nil { // loadState loads every document a commit touches
		return nil
	}
	if d.cached {
		for _, t := range d.texts {
			if slices.Equal(t.path, path) {
				return t
			}
		}
	}
	value, _ := db.currentValue(k)
	s, ok := textAt(value, path)
	if !ok {
		return nil
	}
	t := newLiveText(slices.Clone(path), s)
	d.texts = append(d.texts, t)
	return t
}

// liveTextFor returns the live text that op, a text edit, edits in place;
// nil for any other op, and once another op of the transaction did
// something else to its document (the ops after it read the replica).
func (db *DB) liveTextFor(op *Op, edited *editedDocs) *liveText {
	k := docKey{op.Collection, op.ID}
	if op.Kind != OpInsertText && op.Kind != OpDeleteText {
		return nil
	}
	if inPlace, seen := edited.get(k); seen && !inPlace {
		return nil
	}
	return db.liveTextOf(k, op.Path)
}

// editedDocs holds, during a transaction, the documents its ops touched:
// whether text edits alone did, editing their texts in place (inPlace),
// and whether any did (live: if the transaction fails, their texts hold
// edits the replica rolled back). A transaction mostly touches few
// documents, for which a list beats a map; an import touches thousands,
// and gets an index.
type editedDocs struct {
	docs []editedDoc
	at   map[docKey]int // index into docs, once it is longer than editedList
}

const editedList = 16

type editedDoc struct {
	k             docKey
	inPlace, live bool
}

func (e *editedDocs) find(k docKey) int {
	if e == nil { // remote changes: nothing edited in place
		return -1
	}
	if e.at != nil {
		if i, ok := e.at[k]; ok {
			return i
		}
		return -1
	}
	for i := range e.docs {
		if e.docs[i].k == k {
			return i
		}
	}
	return -1
}

func (e *editedDocs) get(k docKey) (inPlace, seen bool) {
	if i := e.find(k); i >= 0 {
		return e.docs[i].inPlace, true
	}
	return false, false
}

// note records that an op touched k, editing its text in place or not.
func (e *editedDocs) note(k docKey, inPlace bool) {
	if i := e.find(k); i >= 0 {
		d := &e.docs[i]
		d.inPlace, d.live = d.inPlace && inPlace, d.live || inPlace
		return
	}
	e.docs = append(e.docs, editedDoc{k, inPlace, inPlace})
	switch n := len(e.docs); {
	case e.at != nil:
		e.at[k] = n - 1
	case n > editedList:
		e.at = make(map[docKey]int, 2*n)
		for i, d := range e.docs {
			e.at[d.k] = i
		}
	}
}

// readsValues reports whether a commit's values of collection are read at
// once: by the view's queries or its indexes. Otherwise a value that text
// edits changed in place is built when the batch is stored, once.
func (db *DB) readsValues(collection string) bool {
	return db.view.loaded(collection) || db.view.loading[collection] != nil || len(db.indexes[collection]) > 0
}

// forget drops what the engine holds of document k's value, for the next
// reader to build it from the replica: after a transaction that failed
// having edited its texts in place.
func (d *loadedDoc) forget() {
	d.value, d.cached, d.texts, d.stale = nil, false, nil, false
}

// textAt returns the text at path in value.
func textAt(value map[string]any, path []string) (string, bool) {
	var v any = value
	for _, key := range path {
		m, _ := v.(map[string]any)
		v = m[key]
	}
	s, ok := v.(string)
	return s, ok
}

// txValues holds, during a transaction, what the ops so far left of each
// document they wrote: after a text edit its value (the value before,
// spliced where a local edit lands: where it was asked), after any other
// op nothing, and the next op on the document reads the replica. So a
// transaction of many keystrokes never rebuilds its note from the replica.
type txValues map[docKey]txValue

type txValue struct {
	value map[string]any
	known bool
}

// valueBefore returns the value of document k as the next op of a
// transaction sees it (tv may be nil for a transaction of one op).
func (db *DB) valueBefore(k docKey, tv txValues) (map[string]any, bool) {
	if v, ok := tv[k]; ok {
		if !v.known {
			return db.replica.Get(k.collection, k.id)
		}
		return v.value, v.value != nil
	}
	return db.currentValue(k)
}

// note records what op, which saw before, left of its document.
func (tv txValues) note(op *Op, before map[string]any) {
	k := docKey{op.Collection, op.ID}
	if splices, ok := op.splices(before); ok {
		if v, ok := spliced(before, splices); ok {
			tv[k] = txValue{value: v, known: true}
			return
		}
	}
	tv[k] = txValue{}
}

// valueAfter returns the value of document p after the changes whose patch
// p is part of, and caches it; lazy (and no value) when the document's
// texts hold what changed and its value is left to build when read.
// edited says the changes are local text edits that edited the texts in
// place already; splicesOnly that they did nothing to the document but
// edit texts: their splices then edit its texts in place.
func (db *DB) valueAfter(p *crdt.DocPatch, splicesOnly, edited bool) (value map[string]any, lazy bool) {
	k := docKey{p.Collection, p.ID}
	d := db.loaded[k]
	if d.cached && p.Exists && !p.Reset && (edited || splicesOnly && db.spliceLive(k, p.Splices)) {
		d.stale = true
		if db.opts.Strict {
			want, _ := db.replica.Get(k.collection, k.id)
			if v := withTexts(d.value, d.texts); !reflect.DeepEqual(v, want) {
				panic(fmt.Sprintf("engine: %s/%s edited in place to %v, the replica holds %v", k.collection, k.id, v, want))
			}
		}
		return nil, true
	}
	d.value, _ = db.replica.Get(k.collection, k.id)
	d.cached, d.texts, d.stale = true, nil, false
	return d.value, false
}

// spliceLive applies splices to the texts of loaded document k in place;
// false if one edits anything but a text its value holds (what the texts
// hold is then unknown: the caller reads the value again).
func (db *DB) spliceLive(k docKey, splices []crdt.Splice) bool {
	if db.loaded[k].value == nil {
		return false
	}
	for _, s := range splices {
		if len(s.Path) == 0 || s.Values != nil {
			return false
		}
		t := db.liveTextOf(k, s.Path)
		if t == nil || !t.splice(s.Index, s.Delete, s.Text) {
			return false
		}
	}
	return true
}

// withTexts returns value with the texts in place of what it holds at
// their paths. Maps along a path are copied: values are shared with the
// view.
func withTexts(value map[string]any, texts []*liveText) map[string]any {
	out := maps.Clone(value)
	for _, t := range texts {
		parent, _ := parentOf(out, t.path) // the texts' paths lead to texts: valueAfter drops them otherwise
		parent[t.path[len(t.path)-1]] = t.String()
	}
	return out
}

// parentOf returns the map that holds path's last key in out, copying the
// maps along the way into out; false if one is missing.
func parentOf(out map[string]any, path []string) (map[string]any, bool) {
	parent := out
	for _, key := range path[:len(path)-1] {
		m, ok := parent[key].(map[string]any)
		if !ok {
			return nil, false
		}
		m = maps.Clone(m)
		parent[key] = m
		parent = m
	}
	return parent, true
}

// splicesOnly returns the documents that changes touch only with text
// insertions and deletions of sequence elements (a deletion from a list
// makes spliced fail, and the value is read again).
func splicesOnly(changes []*crdt.Change) map[docKey]bool {
	out := map[docKey]bool{}
	for _, c := range changes {
		for i := range c.Ops {
			op := &c.Ops[i]
			k := docKey{op.Coll, op.Doc}
			only, seen := out[k]
			out[k] = (only || !seen) && (op.Kind == crdt.OpInsertText || op.Kind == crdt.OpDelete)
		}
	}
	return out
}

// spliced returns value with splices applied to the texts they edit, or
// false if one edits anything but a text that value holds. Maps along a
// splice's path are copied: values are shared with the view.
func spliced(value map[string]any, splices []crdt.Splice) (map[string]any, bool) {
	out := maps.Clone(value)
	for _, s := range splices {
		if len(s.Path) == 0 || s.Values != nil {
			return nil, false
		}
		parent, ok := parentOf(out, s.Path)
		if !ok {
			return nil, false
		}
		last := s.Path[len(s.Path)-1]
		text, ok := parent[last].(string)
		if !ok {
			return nil, false
		}
		from, ok := byteOffset(text, 0, s.Index)
		if !ok {
			return nil, false
		}
		to, ok := byteOffset(text, from, s.Delete)
		if !ok {
			return nil, false
		}
		parent[last] = text[:from] + s.Text + text[to:]
	}
	return out, true
}

// byteOffset returns the byte offset of the code point n code points after
// byte offset from in s; false if s is shorter.
func byteOffset(s string, from, n int) (int, bool) {
	i := from + asciiPrefix(s[from:], n)
	n -= i - from
	for ; n > 0 && i < len(s); n-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i, n == 0
}

// asciiPrefix returns how many of the first max bytes of s are ASCII, up
// to the first that is not, reading eight bytes at a time: where a byte
// is a code point (and a UTF-16 unit), offsets need no decoding.
func asciiPrefix(s string, max int) int {
	max = min(max, len(s))
	i := 0
	for ; i+8 <= max; i += 8 {
		b := s[i : i+8] // one bounds check: the loads combine into one
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for i < max && s[i] < utf8.RuneSelf {
		i++
	}
	return i
}
