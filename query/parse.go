package query

import (
	"fmt"
	"math"
)

// FromMap builds a query from the plain object the JS API sends:
//
//	{
//	  collection: "todos",                       // required
//	  where: ["done", "==", false],               // or {field, op, value},
//	                                              // {and: [...]}, {or: [...]}
//	  orderBy: ["created", {field: "title", dir: "desc"}],
//	  limit: 50, offset: 0,                       // integers (JS numbers)
//	  select: ["title", "author.name"],
//	}
//
// Numbers may be float64 (as from JS) when integral. Values may be nil,
// bool, string, float64, int64 (int, int32, float32 are converted), []any
// and map[string]any. Unknown keys are errors. The result is validated.
func FromMap(m map[string]any) (Query, error) {
	var q Query
	for k, v := range m {
		if err := q.setKey(k, v); err != nil {
			return Query{}, err
		}
	}
	if err := q.Validate(); err != nil {
		return Query{}, err
	}
	return q, nil
}

func (q *Query) setKey(k string, v any) error {
	var err error
	switch k {
	case "collection":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%w: collection is %T, want string", ErrCollection, v)
		}
		q.Collection = s
	case "where":
		var f Filter
		f, err = filterFrom(v)
		q.Where = &f
	case "orderBy":
		q.OrderBy, err = ordersFrom(v)
	case "limit":
		q.Limit, err = countFrom(v, 1, ErrLimit)
	case "offset":
		q.Offset, err = countFrom(v, 0, ErrOffset)
	case "select":
		q.Select, err = selectFrom(v)
	default:
		return fmt.Errorf("%w: %q", ErrUnknownKey, k)
	}
	return err
}

func filterFrom(v any) (Filter, error) {
	switch x := v.(type) {
	case []any:
		if len(x) != 3 {
			return Filter{}, fmt.Errorf("%w: a comparison is [field, op, value], got %d elements", ErrFilter, len(x))
		}
		return leafFrom(x[0], x[1], x[2])
	case map[string]any:
		return filterFromObject(x)
	}
	return Filter{}, fmt.Errorf("%w: got %T", ErrFilter, v)
}

func filterFromObject(m map[string]any) (Filter, error) {
	if len(m) == 1 {
		if sub, ok := m["and"]; ok {
			fs, err := filtersFrom(sub)
			return Filter{And: fs}, err
		}
		if sub, ok := m["or"]; ok {
			fs, err := filtersFrom(sub)
			return Filter{Or: fs}, err
		}
	}
	for k := range m {
		if k != "field" && k != "op" && k != "value" {
			return Filter{}, fmt.Errorf("%w: key %q in filter", ErrFilter, k)
		}
	}
	return leafFrom(m["field"], m["op"], m["value"])
}

func filtersFrom(v any) ([]Filter, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: and/or takes an array, got %T", ErrFilter, v)
	}
	out := make([]Filter, len(list))
	for i, e := range list {
		f, err := filterFrom(e)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func leafFrom(field, op, value any) (Filter, error) {
	f, ok := field.(string)
	if !ok || f == "" {
		return Filter{}, fmt.Errorf("%w: where field %v", ErrField, field)
	}
	o, ok := op.(string)
	if !ok {
		return Filter{}, fmt.Errorf("%w: %v", ErrOperator, op)
	}
	return Filter{Field: f, Op: Op(o), Value: value}, nil
}

func ordersFrom(v any) ([]Order, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: want an array, got %T", ErrOrderBy, v)
	}
	out := make([]Order, len(list))
	for i, e := range list {
		o, err := orderFrom(e)
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

func orderFrom(v any) (Order, error) {
	switch x := v.(type) {
	case string:
		return Order{Field: x}, nil
	case map[string]any:
		field, ok := x["field"].(string)
		if !ok {
			return Order{}, fmt.Errorf("%w: field %v", ErrOrderBy, x["field"])
		}
		for k := range x {
			if k != "field" && k != "dir" {
				return Order{}, fmt.Errorf("%w: key %q", ErrOrderBy, k)
			}
		}
		switch dir, has := x["dir"]; {
		case !has || dir == "asc":
			return Order{Field: field}, nil
		case dir == "desc":
			return Order{Field: field, Desc: true}, nil
		}
		return Order{}, fmt.Errorf("%w: dir %v, want \"asc\" or \"desc\"", ErrOrderBy, x["dir"])
	}
	return Order{}, fmt.Errorf("%w: got %T", ErrOrderBy, v)
}

// countFrom reads a non-negative integer of at least lo.
func countFrom(v any, lo int, sentinel error) (int, error) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return 0, fmt.Errorf("%w: %T, want a number", sentinel, v)
	}
	if f != math.Trunc(f) || f < float64(lo) || f > maxCount {
		return 0, fmt.Errorf("%w: %v, want an integer in [%d, %d]", sentinel, v, lo, maxCount)
	}
	return int(f), nil
}

func selectFrom(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: want an array, got %T", ErrSelect, v)
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%w: element %d is %T", ErrSelect, i, e)
		}
		out[i] = s
	}
	return out, nil
}

// ToMap returns the plain object form of q, which FromMap reads back.
func (q Query) ToMap() map[string]any {
	m := map[string]any{"collection": q.Collection}
	if q.Where != nil {
		m["where"] = q.Where.toMap()
	}
	if q.OrderBy != nil {
		orders := make([]any, len(q.OrderBy))
		for i, o := range q.OrderBy {
			dir := "asc"
			if o.Desc {
				dir = "desc"
			}
			orders[i] = map[string]any{"field": o.Field, "dir": dir}
		}
		m["orderBy"] = orders
	}
	if q.Limit > 0 {
		m["limit"] = float64(q.Limit)
	}
	if q.Offset > 0 {
		m["offset"] = float64(q.Offset)
	}
	if q.Select != nil {
		sel := make([]any, len(q.Select))
		for i, s := range q.Select {
			sel[i] = s
		}
		m["select"] = sel
	}
	return m
}

func (f Filter) toMap() map[string]any {
	switch {
	case f.And != nil:
		return map[string]any{"and": filtersToList(f.And)}
	case f.Or != nil:
		return map[string]any{"or": filtersToList(f.Or)}
	}
	return map[string]any{"field": f.Field, "op": string(f.Op), "value": f.Value}
}

func filtersToList(fs []Filter) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = f.toMap()
	}
	return out
}
