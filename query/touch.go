package query

// touch is what one transaction did to one collection: the ids of the
// documents it touched, in first-occurrence order, and the last version of
// each (nil when deleted). The Registry builds it once per collection for
// all the live queries over that collection.
type touch struct {
	ids  []string
	docs []map[string]any // docs[i] is the last version of ids[i]
	byID map[string]int   // index into ids; only for large transactions
}

// touchMapMin is the number of documents from which a touch indexes its ids
// with a map; below it a linear scan is cheaper than hashing.
const touchMapMin = 8

// touchOf collects the changes to collection.
func touchOf(collection string, changes []Change) *touch {
	t := &touch{}
	for _, ch := range changes {
		if ch.Collection != collection {
			continue
		}
		if i, seen := t.index(ch.ID); seen {
			t.docs[i] = ch.Doc
			continue
		}
		t.ids = append(t.ids, ch.ID)
		t.docs = append(t.docs, ch.Doc)
		switch n := len(t.ids); {
		case t.byID != nil:
			t.byID[ch.ID] = n - 1
		case n >= touchMapMin:
			t.byID = make(map[string]int, n)
			for i, id := range t.ids {
				t.byID[id] = i
			}
		}
	}
	return t
}

// index returns the position of id in ids, if touched.
func (t *touch) index(id string) (int, bool) {
	if t.byID != nil {
		i, ok := t.byID[id]
		return i, ok
	}
	for i, x := range t.ids {
		if x == id {
			return i, true
		}
	}
	return 0, false
}

// has reports whether the document id was touched.
func (t *touch) has(id string) bool {
	_, ok := t.index(id)
	return ok
}
