package query

import (
	"sort"
	"strings"
)

// This file is the reference: the query semantics written plainly, with no
// code shared with the package, to check Run and Live against.

func refRank(v any, present bool) int {
	if !present {
		return 0
	}
	switch v.(type) {
	case nil:
		return 1
	case bool:
		return 2
	case int64, float64:
		return 3
	case string:
		return 4
	case []any:
		return 5
	case map[string]any:
		return 6
	}
	return 7
}

func refNum(v any) float64 { // test numbers are small: float64 is exact
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	return v.(float64)
}

func refCmp(a, b any) int { return refCmpP(a, true, b, true) }

func refCmpP(a any, ap bool, b any, bp bool) int {
	ra, rb := refRank(a, ap), refRank(b, bp)
	if ra != rb {
		return sign(ra - rb)
	}
	switch ra {
	case 2:
		return sign(btoi(a.(bool)) - btoi(b.(bool)))
	case 3:
		x, y := refNum(a), refNum(b)
		if x < y {
			return -1
		} else if x > y {
			return 1
		}
	case 4:
		return strings.Compare(a.(string), b.(string))
	case 5:
		return refCmpArrays(a.([]any), b.([]any))
	case 6:
		return refCmpMaps(a.(map[string]any), b.(map[string]any))
	}
	return 0
}

func refCmpArrays(x, y []any) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		if c := refCmp(x[i], y[i]); c != 0 {
			return c
		}
	}
	return sign(len(x) - len(y))
}

func refCmpMaps(x, y map[string]any) int {
	kx, ky := refKeys(x), refKeys(y)
	for i := 0; i < len(kx) && i < len(ky); i++ {
		if c := strings.Compare(kx[i], ky[i]); c != 0 {
			return c
		}
		if c := refCmp(x[kx[i]], y[ky[i]]); c != 0 {
			return c
		}
	}
	return sign(len(kx) - len(ky))
}

func refKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sign(n int) int {
	if n < 0 {
		return -1
	} else if n > 0 {
		return 1
	}
	return 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func refGet(id string, doc map[string]any, field string) (any, bool) {
	if field == "id" {
		return id, true
	}
	var cur any = doc
	for _, seg := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[seg]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func refMatch(f *Filter, id string, doc map[string]any) bool {
	if f.And != nil {
		for i := range f.And {
			if !refMatch(&f.And[i], id, doc) {
				return false
			}
		}
		return true
	}
	if f.Or != nil {
		for i := range f.Or {
			if refMatch(&f.Or[i], id, doc) {
				return true
			}
		}
		return false
	}
	v, ok := refGet(id, doc, f.Field)
	if !ok {
		return false
	}
	return refTest(f.Op, v, f.Value)
}

func refTest(op Op, v, w any) bool {
	sameType := refRank(v, true) == refRank(w, true)
	switch op {
	case OpEq:
		return refCmp(v, w) == 0
	case OpNe:
		return refCmp(v, w) != 0
	case OpLt:
		return sameType && refCmp(v, w) < 0
	case OpLe:
		return sameType && refCmp(v, w) <= 0
	case OpGt:
		return sameType && refCmp(v, w) > 0
	case OpGe:
		return sameType && refCmp(v, w) >= 0
	case OpIn, OpNotIn:
		found := false
		for _, e := range w.([]any) {
			found = found || refCmp(v, e) == 0
		}
		return found == (op == OpIn)
	case OpContains:
		if arr, ok := v.([]any); ok {
			return refTest(OpIn, w, arr)
		}
		s, ok1 := v.(string)
		t, ok2 := w.(string)
		return ok1 && ok2 && strings.Contains(s, t)
	case OpStartsWith:
		s, ok1 := v.(string)
		t, ok2 := w.(string)
		return ok1 && ok2 && strings.HasPrefix(s, t)
	}
	panic("unknown op " + op)
}

// refRun evaluates q over docs by filtering, sorting and slicing everything.
func refRun(docs map[string]map[string]any, q Query) Result {
	var ids []string
	for id, doc := range docs {
		if q.Where == nil || refMatch(q.Where, id, doc) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return refLess(q, ids[i], ids[j], docs) })
	if q.Offset >= len(ids) {
		ids = nil
	} else {
		ids = ids[q.Offset:]
	}
	if q.Limit > 0 && len(ids) > q.Limit {
		ids = ids[:q.Limit]
	}
	out := Result{}
	for _, id := range ids {
		out = append(out, Row{ID: id, Doc: refProject(q, id, docs[id])})
	}
	return out
}

func refLess(q Query, a, b string, docs map[string]map[string]any) bool {
	for _, o := range q.OrderBy {
		va, pa := refGet(a, docs[a], o.Field)
		vb, pb := refGet(b, docs[b], o.Field)
		if c := refCmpP(va, pa, vb, pb); c != 0 {
			return (c < 0) != o.Desc
		}
	}
	if len(q.OrderBy) > 0 && q.OrderBy[len(q.OrderBy)-1].Desc {
		return a > b
	}
	return a < b
}

func refProject(q Query, id string, doc map[string]any) map[string]any {
	if q.Select == nil {
		return doc
	}
	out := map[string]any{}
	for _, f := range q.Select {
		covered := false
		for _, g := range q.Select {
			covered = covered || strings.HasPrefix(f, g+".")
		}
		v, ok := refGet(id, doc, f)
		if covered || !ok {
			continue
		}
		segs := strings.Split(f, ".")
		m := out
		for _, s := range segs[:len(segs)-1] {
			if _, ok := m[s].(map[string]any); !ok {
				m[s] = map[string]any{}
			}
			m = m[s].(map[string]any)
		}
		m[segs[len(segs)-1]] = v
	}
	return out
}
