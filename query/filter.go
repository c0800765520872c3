package query

import "strings"

// match reports whether the document satisfies the filter.
func (f *cfilter) match(id string, doc map[string]any) bool {
	switch {
	case f.and != nil:
		for i := range f.and {
			if !f.and[i].match(id, doc) {
				return false
			}
		}
		return true
	case f.or != nil:
		for i := range f.or {
			if f.or[i].match(id, doc) {
				return true
			}
		}
		return false
	}
	v, ok := lookup(id, doc, f.path)
	return ok && f.test(v)
}

// test applies a comparison to a present field value.
func (f *cfilter) test(v any) bool {
	switch f.op {
	case OpEq:
		return Compare(v, f.value) == 0
	case OpNe:
		return Compare(v, f.value) != 0
	case OpLt, OpLe, OpGt, OpGe:
		return kindOf(v) == kindOf(f.value) && rangeHolds(f.op, Compare(v, f.value))
	case OpIn:
		return inList(v, f.list)
	case OpNotIn:
		return !inList(v, f.list)
	case OpContains:
		return contains(v, f.value)
	case OpStartsWith:
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, f.value.(string))
	}
	return false
}

func rangeHolds(op Op, c int) bool {
	switch op {
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	}
	return c >= 0
}

func inList(v any, list []any) bool {
	for _, e := range list {
		if Compare(v, e) == 0 {
			return true
		}
	}
	return false
}

// contains is true for an array holding an element equal to want, and for a
// string containing the string want.
func contains(v, want any) bool {
	switch x := v.(type) {
	case []any:
		return inList(want, x)
	case string:
		w, ok := want.(string)
		return ok && strings.Contains(x, w)
	}
	return false
}

// matches applies the query's where clause, if any.
func (c *compiled) matches(id string, doc map[string]any) bool {
	return c.where == nil || c.where.match(id, doc)
}
