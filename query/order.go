package query

import "strings"

// entry is a matching document with its sort keys and, once needed, its
// projected row.
type entry struct {
	id   string
	doc  map[string]any
	keys []any // value at each orderBy path, or Missing
	row  map[string]any
}

func (c *compiled) newEntry(id string, doc map[string]any) *entry {
	e := &entry{keys: make([]any, len(c.orders))}
	c.fill(e, id, doc)
	return e
}

// spareEntry makes *spare (allocated on first use) the entry of a document
// and returns it: most documents a scan or a transaction touches sort past
// a limited prefix and need no entry of their own.
func (c *compiled) spareEntry(spare **entry, id string, doc map[string]any) *entry {
	if *spare == nil {
		*spare = c.newEntry(id, doc)
	} else {
		c.fill(*spare, id, doc)
	}
	return *spare
}

// fill makes e, made by newEntry, the entry of a document.
func (c *compiled) fill(e *entry, id string, doc map[string]any) {
	e.id, e.doc, e.row = id, doc, nil
	for i, o := range c.orders {
		e.keys[i] = key(id, doc, o.path)
	}
}

// cmp orders entries by the orderBy clauses, then by id in the direction of
// the last clause. Distinct documents never compare equal.
func (c *compiled) cmp(a, b *entry) int {
	for i, o := range c.orders {
		if r := Compare(a.keys[i], b.keys[i]); r != 0 {
			if o.desc {
				return -r
			}
			return r
		}
	}
	r := strings.Compare(a.id, b.id)
	if c.lastDesc {
		return -r
	}
	return r
}

// projected returns the entry's document as the query returns it.
func (c *compiled) projected(e *entry) map[string]any {
	if c.selects == nil {
		return e.doc
	}
	if e.row == nil {
		e.row = project(e.id, e.doc, c.selects)
	}
	return e.row
}

// project copies the selected paths of doc into a new map, creating the
// intermediate maps. Paths absent from doc are left out. compileSelect
// guarantees no path is a prefix of another.
func project(id string, doc map[string]any, sel [][]string) map[string]any {
	out := map[string]any{}
	for _, path := range sel {
		v, ok := lookup(id, doc, path)
		if !ok {
			continue
		}
		m := out
		for _, seg := range path[:len(path)-1] {
			next, ok := m[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[seg] = next
			}
			m = next
		}
		m[path[len(path)-1]] = v
	}
	return out
}
