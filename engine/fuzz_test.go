package engine

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/hearthdb/hearth/query"
	"github.com/vmihailenco/msgpack/v5"
)

// recorder is a Coordinator for a process alone with its storage that keeps
// the notices it publishes.
type recorder struct{ notices [][]byte }

func (r *recorder) Exclusive(_ context.Context, fn func(bool) error) error { return fn(true) }
func (r *recorder) Publish(msg []byte)                                     { r.notices = append(r.notices, msg) }

// noticeSeeds returns the notices of a few real commits: puts of nested
// values, text and counters, an update, a delete, and a multi-document
// transaction.
func noticeSeeds(tb testing.TB) [][]byte {
	var rec recorder
	db, err := Open(context.Background(), NewMemoryStorage(), Options{Coordinator: &rec, Strict: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	text := map[string]any{markerKey: markerText, "value": "héllo 😀"}
	counter := map[string]any{markerKey: markerCounter, "value": float64(3)}
	for _, ops := range [][]Op{
		{{Kind: OpPut, Collection: "todos", ID: "a", Value: map[string]any{"id": "a", "n": float64(1), "tags": []any{"x", float64(2), nil}, "in": map[string]any{"ok": true}}}},
		{{Kind: OpPut, Collection: "todos", ID: "b", Value: map[string]any{"id": "b", "n": float64(-2.5), "t": text, "c": counter}}},
		{{Kind: OpUpdate, Collection: "todos", ID: "a", Value: map[string]any{"n": float64(7), "in": map[string]any{"deep": "y"}}}},
		{{Kind: OpDelete, Collection: "todos", ID: "b"}, {Kind: OpPut, Collection: "notes", ID: "c", Value: map[string]any{"id": "c", "n": float64(1e300)}}},
	} {
		if err := db.Commit(context.Background(), ops); err != nil {
			tb.Fatal(err)
		}
	}
	return rec.notices
}

// canonical reports whether v holds only the types a document's values
// have once read (what the bridge can carry to JavaScript).
func canonical(v any) bool {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return true
	case []any:
		for _, e := range x {
			if !canonical(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !canonical(e) {
				return false
			}
		}
		return true
	}
	return false
}

// FuzzDecodeNotice: decoding another process's bytes never panics; what it
// accepts names a document, holds only document values, and survives
// encoding again.
func FuzzDecodeNotice(f *testing.F) {
	for _, b := range noticeSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := decodeNotice(data)
		if err != nil {
			if CodeOf(err) != CodeInvalidArgument {
				t.Fatalf("code %s for %v", CodeOf(err), err)
			}
			return
		}
		for _, d := range n.Docs {
			if d.Collection == "" || d.ID == "" || !canonical(d.Value) {
				t.Fatalf("accepted %#v", d)
			}
		}
		again, err := decodeNotice(n.encode())
		if err != nil {
			t.Fatalf("re-encoded notice refused: %v", err)
		}
		if !reflect.DeepEqual(again, n) {
			t.Fatalf("round trip changed the notice:\n%#v\n%#v", n, again)
		}
	})
}

// FuzzReceive: a notice from another tab, whatever its bytes, either is
// refused with the view untouched and no subscriber called, or is applied
// with the live query still equal to a fresh one and every row readable.
func FuzzReceive(f *testing.F) {
	for _, b := range noticeSeeds(f) {
		f.Add(b)
	}
	ctx := context.Background()
	q := query.Query{Collection: "todos", OrderBy: []query.Order{{Field: "n"}}, Limit: 3}
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := Open(ctx, NewMemoryStorage(), Options{Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Commit(ctx, []Op{{Kind: OpPut, Collection: "todos", ID: "z", Value: map[string]any{"id": "z", "n": float64(5)}}}); err != nil {
			t.Fatal(err)
		}
		before, err := db.Query(ctx, q) // loads the collection
		if err != nil {
			t.Fatal(err)
		}
		var last []map[string]any
		calls := 0
		cancel, err := db.Subscribe(ctx, q, func(rows []map[string]any) { last = rows; calls++ })
		if err != nil {
			t.Fatal(err)
		}
		defer cancel()
		calls = 0

		err = db.Receive(data)
		fresh, qerr := db.Query(ctx, q)
		if qerr != nil {
			t.Fatal(qerr)
		}
		if err != nil {
			if calls != 0 || !reflect.DeepEqual(fresh, before) {
				t.Fatalf("refused notice (%v) changed the view: %d calls, %v", err, calls, fresh)
			}
			return
		}
		if calls > 0 && !reflect.DeepEqual(last, fresh) {
			t.Fatalf("subscription %v, fresh query %v", last, fresh)
		}
		if calls == 0 && !reflect.DeepEqual(fresh, before) {
			t.Fatalf("result changed from %v to %v without a callback", before, fresh)
		}
		for _, row := range fresh {
			if !canonical(row) {
				t.Fatalf("row %#v holds a value no document has", row)
			}
		}
	})
}

func TestNoticeRefusesWhatNoDocumentHolds(t *testing.T) {
	deep := map[string]any{}
	for range 70 {
		deep = map[string]any{"d": deep}
	}
	for name, d := range map[string]docValue{
		"bytes not UTF-8": {Collection: "todos", ID: "a", Value: map[string]any{"b": []byte{0xff}}},
		"timestamp":       {Collection: "todos", ID: "a", Value: map[string]any{"at": time.Unix(1, 0)}},
		"NaN":             {Collection: "todos", ID: "a", Value: map[string]any{"n": []any{math.NaN()}}},
		"not UTF-8":       {Collection: "todos", ID: "a", Value: map[string]any{"s": "\xff"}},
		"too deep":        {Collection: "todos", ID: "a", Value: deep},
		"uint64 > int64":  {Collection: "todos", ID: "a", Value: map[string]any{"u": uint64(math.MaxUint64)}},
		"no id":           {Collection: "todos", Value: map[string]any{}},
		"no collection":   {ID: "a"},
	} {
		b, err := msgpack.Marshal(notice{Commit: 1, Docs: []docValue{d}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeNotice(b); CodeOf(err) != CodeInvalidArgument {
			t.Errorf("%s: got %v, want an InvalidArgumentError", name, err)
		}
	}
	// Sizes claimed past the end of the notice, and deep nesting, are
	// refused before the decoder allocates for them.
	for name, b := range map[string][]byte{
		"4G-element list": {0x81, 0xa1, 'd', 0xdd, 0xff, 0xff, 0xff, 0xff},
		"4G-entry map":    {0x81, 0xa1, 'd', 0x91, 0xdf, 0xff, 0xff, 0xff, 0xff},
		"4 GB string":     {0x81, 0xa1, 'd', 0x91, 0x81, 0xa1, 'c', 0xdb, 0xff, 0xff, 0xff, 0xff},
		"deep lists":      append([]byte{0x81, 0xa1, 'd'}, bytes.Repeat([]byte{0x91}, 1<<20)...),
	} {
		if _, err := decodeNotice(b); CodeOf(err) != CodeInvalidArgument {
			t.Errorf("%s: got %v, want an InvalidArgumentError", name, err)
		}
	}
	// What another encoder may write for a number or a string is read as a
	// document holds it.
	b, err := msgpack.Marshal(notice{Commit: 1, Docs: []docValue{{Collection: "todos", ID: "a", Value: map[string]any{"u": uint8(7), "l": []any{int16(-3)}, "b": []byte("x")}}}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := decodeNotice(b)
	if want := map[string]any{"u": int64(7), "l": []any{int64(-3)}, "b": "x"}; err != nil || !reflect.DeepEqual(n.Docs[0].Value, want) {
		t.Fatalf("got %#v, %v; want %#v", n.Docs, err, want)
	}
}
