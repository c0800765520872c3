package query

import (
	"fmt"
	"reflect"
	"slices"
)

// Live holds the current result of a query and keeps it up to date from the
// documents each transaction touches, without re-running the query.
//
// It keeps the first matches in order, up to twice Offset+Limit (all
// matches without a limit), and whether that prefix is complete. A
// transaction removes the touched documents from the prefix and re-inserts
// those that still match and sort within it; only when a limited prefix
// falls short of Offset+Limit does it pull the next matches from the
// Source, resuming after its last entry (through the index when the plan
// is ordered). The slack beyond the window means that a document leaving
// it costs no re-read of the Source until as many have left as the window
// holds. A Live is not safe for concurrent use.
type Live struct {
	c        *compiled
	src      Source
	top      []*entry          // the first matches, sorted
	byID     map[string]*entry // the entries of top
	complete bool              // top holds every match
	result   Result
	spare    *entry // reused until a touched match sorts into top
}

// NewLive runs q against src and returns it as a live query.
func NewLive(src Source, q Query) (*Live, error) {
	c, err := compile(q)
	if err != nil {
		return nil, err
	}
	l := &Live{c: c, src: src, byID: map[string]*entry{}}
	l.top = c.collect(src, nil, l.keep())
	l.complete = c.need < 0 || len(l.top) < l.keep()
	for _, e := range l.top {
		l.byID[e.id] = e
	}
	l.result = c.window(l.top)
	return l, nil
}

// Query returns the live query.
func (l *Live) Query() Query { return l.c.q }

// Result returns the current result. It is never modified: a change
// produces a new Result.
func (l *Live) Result() Result { return l.result }

// Apply takes the changes of one transaction, already applied to the
// Source, and reports whether the result changed. Changes to other
// collections are ignored; when a document appears several times, its last
// change counts.
func (l *Live) Apply(changes []Change) bool {
	return l.apply(touchOf(l.c.q.Collection, changes))
}

// apply is Apply for the changes to the live collection, collected.
func (l *Live) apply(t *touch) bool {
	if len(t.ids) == 0 {
		return false
	}
	var bound *entry // past it, matches are unknown
	if !l.complete {
		bound = l.top[len(l.top)-1]
	}
	moved := false
	for _, id := range t.ids {
		if e := l.byID[id]; e != nil {
			l.remove(e)
			moved = true
		}
	}
	for i, id := range t.ids {
		if doc := t.docs[i]; doc != nil && l.c.matches(id, doc) {
			e := l.c.spareEntry(&l.spare, id, doc)
			if bound == nil || l.c.cmp(e, bound) < 0 {
				l.spare = nil
				l.insert(e)
				moved = true
			}
		}
	}
	if !moved {
		return false
	}
	l.truncate()
	l.refill()
	return l.publish(t)
}

func (l *Live) remove(e *entry) {
	i, found := slices.BinarySearchFunc(l.top, e, l.c.cmp)
	if found {
		l.top = slices.Delete(l.top, i, i+1)
	}
	delete(l.byID, e.id)
}

func (l *Live) insert(e *entry) {
	i, _ := slices.BinarySearchFunc(l.top, e, l.c.cmp)
	l.top = slices.Insert(l.top, i, e)
	l.byID[e.id] = e
}

// keep is how many matches a limited prefix holds at most: the window and
// as many again (-1 without a limit).
func (l *Live) keep() int {
	if l.c.need < 0 {
		return -1
	}
	return 2 * l.c.need
}

// truncate drops the matches beyond keep.
func (l *Live) truncate() {
	keep := l.keep()
	if keep < 0 || len(l.top) <= keep {
		return
	}
	for _, e := range l.top[keep:] {
		delete(l.byID, e.id)
	}
	clear(l.top[keep:])
	l.top = l.top[:keep]
	l.complete = false
}

// refill pulls the next matches from the Source, up to keep, when a limited
// prefix that does not hold every match has fallen short of the window.
func (l *Live) refill() {
	if l.complete || len(l.top) >= l.c.need {
		return
	}
	var after *entry
	if len(l.top) > 0 {
		after = l.top[len(l.top)-1]
	}
	more := l.c.collect(l.src, after, l.keep()-len(l.top))
	for _, e := range more {
		l.top = append(l.top, e)
		l.byID[e.id] = e
	}
	l.complete = len(l.top) < l.keep()
}

// publish recomputes the result and reports whether it differs from the
// previous one, which it keeps otherwise. Untouched rows are the same maps,
// so only touched ones need a deep comparison.
func (l *Live) publish(t *touch) bool {
	next := l.c.window(l.top)
	if sameRows(l.result, next, t) {
		return false
	}
	l.result = next
	return true
}

func sameRows(prev, next Result, t *touch) bool {
	if len(prev) != len(next) {
		return false
	}
	for i := range next {
		if prev[i].ID != next[i].ID {
			return false
		}
		if t.has(next[i].ID) && !reflect.DeepEqual(prev[i].Doc, next[i].Doc) {
			return false
		}
	}
	return true
}

// Check verifies the live query's invariants: its prefix is strictly sorted
// and matches, its id map agrees with it, an incomplete prefix is full, and
// the result is the prefix's window. Tests call it after every transaction.
func (l *Live) Check() error {
	if len(l.byID) != len(l.top) {
		return fmt.Errorf("query: live: %d ids for %d entries", len(l.byID), len(l.top))
	}
	for i, e := range l.top {
		switch {
		case l.byID[e.id] != e:
			return fmt.Errorf("query: live: entry %q missing from the id map", e.id)
		case !l.c.matches(e.id, e.doc):
			return fmt.Errorf("query: live: entry %q does not match", e.id)
		case i > 0 && l.c.cmp(l.top[i-1], e) >= 0:
			return fmt.Errorf("query: live: entry %q out of order", e.id)
		}
	}
	if !l.complete && (len(l.top) < l.c.need || len(l.top) > l.keep()) {
		return fmt.Errorf("query: live: incomplete prefix of %d, want %d to %d", len(l.top), l.c.need, l.keep())
	}
	if !reflect.DeepEqual(l.result, l.c.window(l.top)) {
		return fmt.Errorf("query: live: result differs from its window")
	}
	return nil
}
