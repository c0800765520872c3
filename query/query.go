package query

import (
	"fmt"
	"slices"
)

// Op is a comparison operator of a where clause.
type Op string

// The comparison operators. Range operators (<, <=, >, >=) match only values
// of the same type class as the operand (numbers with numbers, strings with
// strings, ...), compared in the order of Compare. Every operator fails on a
// document that lacks the field, != and not-in included.
const (
	OpEq         Op = "=="         // equal under Compare (1 == 1.0)
	OpNe         Op = "!="         // present and not equal
	OpLt         Op = "<"          // less than, same type class
	OpLe         Op = "<="         // less than or equal, same type class
	OpGt         Op = ">"          // greater than, same type class
	OpGe         Op = ">="         // greater than or equal, same type class
	OpIn         Op = "in"         // equal to one element of the array operand
	OpNotIn      Op = "not-in"     // present and equal to no element of the array operand
	OpContains   Op = "contains"   // array field with an element equal to the operand, or string field containing the string operand
	OpStartsWith Op = "startsWith" // string field with the string operand as prefix
)

// maxCount bounds Limit and Offset so that their sum never overflows.
const maxCount = 1<<31 - 1

var ops = []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpNotIn, OpContains, OpStartsWith}

// Filter is one node of a where tree: either a comparison (Field, Op, Value)
// or a combination of child filters (And or Or, when non-nil). An empty And
// matches every document, an empty Or none.
type Filter struct {
	Field string // dot path, e.g. "author.name"; "id" is the document id
	Op    Op
	Value any
	And   []Filter
	Or    []Filter
}

// Order is one orderBy clause.
type Order struct {
	Field string // dot path
	Desc  bool
}

// Query is a declarative query over one collection. It is plain data: build
// it in Go or from the JS object form with FromMap, and turn it back with
// ToMap.
//
// Results are ordered by OrderBy, then by document id in the direction of the
// last OrderBy clause (ascending when there is none), so they are
// deterministic. Documents lacking an orderBy field sort first (ascending).
type Query struct {
	Collection string
	Where      *Filter  // nil matches every document
	OrderBy    []Order  // applied in sequence
	Limit      int      // 0 means no limit
	Offset     int      // number of leading results skipped
	Select     []string // dot paths to keep; nil keeps whole documents
}

// Validate reports whether q is well formed. The error wraps one of the
// sentinels of this package.
func (q Query) Validate() error {
	_, err := compile(q)
	return err
}

// compiled is a validated query with split paths and normalized values.
type compiled struct {
	q        Query
	where    *cfilter
	orders   []corder
	lastDesc bool
	selects  [][]string
	need     int // Offset+Limit, or -1 without a limit
}

type cfilter struct {
	field string
	path  []string
	op    Op
	value any
	list  []any // operand of in / not-in
	and   []cfilter
	or    []cfilter
}

type corder struct {
	path []string
	desc bool
}

func compile(q Query) (*compiled, error) {
	if q.Collection == "" {
		return nil, fmt.Errorf("%w: empty name", ErrCollection)
	}
	c := &compiled{q: q, need: -1}
	if q.Where != nil {
		f, err := compileFilter(*q.Where)
		if err != nil {
			return nil, err
		}
		c.where = &f
	}
	if err := c.compileOrders(q.OrderBy); err != nil {
		return nil, err
	}
	if q.Limit < 0 || q.Limit > maxCount {
		return nil, fmt.Errorf("%w: %d", ErrLimit, q.Limit)
	}
	if q.Offset < 0 || q.Offset > maxCount {
		return nil, fmt.Errorf("%w: %d", ErrOffset, q.Offset)
	}
	if q.Limit > 0 {
		c.need = q.Offset + q.Limit
	}
	sel, err := compileSelect(q.Select)
	if err != nil {
		return nil, err
	}
	c.selects = sel
	return c, nil
}

func compileFilter(f Filter) (cfilter, error) {
	isLeaf := f.Field != "" || f.Op != "" || f.Value != nil
	switch {
	case isLeaf && (f.And != nil || f.Or != nil), f.And != nil && f.Or != nil:
		return cfilter{}, fmt.Errorf("%w: a node is a comparison, an and or an or", ErrFilter)
	case f.And != nil:
		and, err := compileFilters(f.And)
		return cfilter{and: and}, err
	case f.Or != nil:
		or, err := compileFilters(f.Or)
		return cfilter{or: or}, err
	}
	return compileLeaf(f)
}

func compileFilters(fs []Filter) ([]cfilter, error) {
	out := make([]cfilter, len(fs))
	for i, f := range fs {
		c, err := compileFilter(f)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func compileLeaf(f Filter) (cfilter, error) {
	path, ok := splitPath(f.Field)
	if !ok {
		return cfilter{}, fmt.Errorf("%w: where %q", ErrField, f.Field)
	}
	if !slices.Contains(ops, f.Op) {
		return cfilter{}, fmt.Errorf("%w: %q", ErrOperator, f.Op)
	}
	v, ok := normalize(f.Value)
	if !ok {
		return cfilter{}, fmt.Errorf("%w: unsupported type %T in where %q", ErrValue, f.Value, f.Field)
	}
	c := cfilter{field: f.Field, path: path, op: f.Op, value: v}
	switch f.Op {
	case OpIn, OpNotIn:
		list, ok := v.([]any)
		if !ok {
			return cfilter{}, fmt.Errorf("%w: %s needs an array, got %T", ErrValue, f.Op, f.Value)
		}
		c.list = list
	case OpStartsWith:
		if _, ok := v.(string); !ok {
			return cfilter{}, fmt.Errorf("%w: startsWith needs a string, got %T", ErrValue, f.Value)
		}
	}
	return c, nil
}

func (c *compiled) compileOrders(orders []Order) error {
	for _, o := range orders {
		path, ok := splitPath(o.Field)
		if !ok {
			return fmt.Errorf("%w: field %q", ErrOrderBy, o.Field)
		}
		c.orders = append(c.orders, corder{path: path, desc: o.Desc})
		c.lastDesc = o.Desc
	}
	return nil
}

// compileSelect splits the paths and drops those covered by another path
// ("a.b" when "a" is selected), so projections never alias document maps.
func compileSelect(sel []string) ([][]string, error) {
	if sel == nil {
		return nil, nil
	}
	out := make([][]string, 0, len(sel))
	for _, f := range sel {
		path, ok := splitPath(f)
		if !ok {
			return nil, fmt.Errorf("%w: field %q", ErrSelect, f)
		}
		out = append(out, path)
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	kept := out[:0]
	for _, p := range out {
		if len(kept) > 0 && hasPrefix(p, kept[len(kept)-1]) {
			continue
		}
		kept = append(kept, p)
	}
	return kept, nil
}

func hasPrefix(p, prefix []string) bool {
	return len(p) >= len(prefix) && slices.Equal(p[:len(prefix)], prefix)
}
