// Package query answers declarative queries over collections of JSON-like
// documents and keeps their results up to date incrementally, as
// transactions touch documents. It is pure Go and imports only the standard
// library, so it builds natively and for js/wasm alike.
//
// # Documents and values
//
// A document is a map[string]any addressed by a string id within a named
// collection. Values are nil, bool, float64 or int64 (numerically equal ints
// and floats are equal and order numerically), string, []any and nested
// map[string]any. Fields are addressed by dot paths ("author.name"); the
// path "id" is the document id.
//
// Values of different types order as Firestore and IndexedDB do, so every
// pair of values compares (see Compare):
//
//	missing < null < false < true < numbers < strings < arrays < maps
//
// # Queries
//
// A Query is plain data: a collection, a where tree of comparisons (Filter:
// ==, !=, <, <=, >, >=, in, not-in, contains, startsWith) combined with
// and/or, orderBy clauses, limit/offset and a field selection. FromMap
// builds one from the JS object form and validates it; ToMap goes back. Run
// evaluates a query against a Source.
//
// contains matches an array field holding an element equal to the operand,
// or a string field containing the string operand as a substring.
// startsWith matches a string field with the operand as prefix. Range
// operators compare only values of the operand's type class. Every
// comparison fails on a missing field, != and not-in included.
//
// Results are sorted by the orderBy clauses, then by id in the direction of
// the last clause (ascending without orderBy), so they are deterministic.
//
// # Indexes and planning
//
// Store is an in-memory Source with app-declared indexes (CreateIndex): per
// field path, a sorted list of (value, id) kept in chunks of at most 512
// entries, updated on every Put and Delete. The planner (Explain) looks at
// the comparisons reachable from the root through "and" nodes: an index
// answering ==/in (point lookups) beats one answering a range or
// startsWith; ties go to the index on the first orderBy field. With no
// usable comparison but a limit, the index on the first orderBy field is
// walked in order and stops early. The full filter is re-applied to every
// document an index yields. An engine with its own storage implements
// Source and, optionally, Indexer.
//
// # Live queries and subscriptions
//
// Live keeps a query's result and updates it from a transaction's changes
// ([]Change, applied to the Source first) by re-examining only the touched
// documents; when a document leaves a limited window, the next ones are
// pulled from the Source. Registry routes each transaction to the
// subscriptions of the touched collections and documents and calls each
// changed subscription back once per transaction.
//
// # Caveats
//
//   - Documents are shared, not copied: do not modify a document after
//     handing it to a Store or Source, nor the maps of a Result.
//   - A map key containing a dot cannot be addressed by a path, and a
//     top-level field named "id" is shadowed by the document id.
//   - Strings compare by UTF-8 bytes (code points), not UTF-16 code units as
//     IndexedDB does; they differ only beyond the Basic Multilingual Plane.
//   - An "or" anywhere above a comparison keeps it from using an index: such
//     queries scan the collection. Only one index serves a query.
//   - A live query without a limit holds all its matches; a transaction that
//     changes its result costs O(result size) to publish the new Result.
//   - Store, Live and Source implementations are not safe for concurrent use;
//     Registry serialises its own calls but the Source must not change while
//     Registry.Apply runs.
//   - Limit and Offset are at most 2^31-1.
package query
