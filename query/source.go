package query

// Source is what queries read: the documents of each collection. Documents
// handed out by a Source must not be modified afterwards; results share them.
type Source interface {
	// Get returns the document with the given id, if any.
	Get(collection, id string) (map[string]any, bool)
	// Scan calls fn for every document of the collection, in any order,
	// until fn returns false.
	Scan(collection string, fn func(id string, doc map[string]any) bool)
}

// Indexer is implemented by a Source that keeps sorted indexes. The planner
// uses it when the Source has one; Store implements it.
type Indexer interface {
	// Indexed reports whether the collection has an index on the field path.
	Indexed(collection, field string) bool
	// ScanIndex calls fn, until it returns false, for each document of the
	// collection whose key at field lies within r: in ascending order of
	// (key, id), or descending when desc is set. The key of a document
	// lacking the field is Missing, so an unbounded range visits every
	// document of the collection.
	ScanIndex(collection, field string, r Range, desc bool, fn func(id string, doc map[string]any) bool)
}

// Change is one document touched by a transaction: its new version, or a
// deletion when Doc is nil.
type Change struct {
	Collection string
	ID         string
	Doc        map[string]any
}
