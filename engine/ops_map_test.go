package engine_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

func TestOpFromMap(t *testing.T) {
	op, err := engine.OpFromMap(map[string]any{"kind": "increment", "collection": "c", "id": "x", "path": []any{"a", "b"}, "delta": 2.0})
	want := engine.Op{Kind: engine.OpIncrement, Collection: "c", ID: "x", Path: []string{"a", "b"}, Delta: 2, UTF16: true}
	if err != nil || !reflect.DeepEqual(op, want) {
		t.Fatalf("OpFromMap = %+v, %v; want %+v", op, err, want)
	}
	op, err = engine.OpFromMap(map[string]any{"kind": "put", "collection": "c", "value": map[string]any{"id": "d", "v": 1.0}})
	if err != nil || op.ID != "d" {
		t.Fatalf("put: %+v, %v", op, err)
	}
	bad := []map[string]any{
		{"kind": "put", "collection": "c", "value": "text"},
		{"kind": "put", "collection": "c", "value": map[string]any{"v": 1.0}},
		{"kind": "put", "collection": "c", "value": map[string]any{"id": 3.0}},
		{"kind": "delete", "collection": "c", "id": 3.0},
		{"kind": "increment", "collection": "c", "id": "x", "path": "a"},
		{"kind": "increment", "collection": "c", "id": "x", "path": []any{1.0}},
		{"kind": "increment", "collection": "c", "id": "x", "delta": 0.5},
		{"kind": "insertText", "collection": "c", "id": "x", "index": -1.0},
	}
	for _, m := range bad {
		if _, err := engine.OpFromMap(m); !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("OpFromMap(%v) = %v, want ErrInvalidArgument", m, err)
		}
	}
}

// Text positions from JS count UTF-16 code units: an emoji is two.
func TestTextPositionsInUTF16(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	commit(t, db, put("n", map[string]any{"id": "1", "t": map[string]any{"$hearth": "text", "value": "a😀b"}}))
	ins := engine.Op{Kind: engine.OpInsertText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 3, Text: "X", UTF16: true}
	commit(t, db, ins)
	if got := get(t, db, "n", "1")["t"]; got != "a😀Xb" {
		t.Fatalf("after insert at UTF-16 index 3: %q", got)
	}
	commit(t, db, engine.Op{Kind: engine.OpDeleteText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 1, Count: 2, UTF16: true})
	if got := get(t, db, "n", "1")["t"]; got != "aXb" {
		t.Fatalf("after deleting the emoji (2 code units): %q", got)
	}
	inside := engine.Op{Kind: engine.OpInsertText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 9, Text: "!", UTF16: true}
	if err := db.Commit(ctx, []engine.Op{inside}); !errors.Is(err, engine.ErrInvalidArgument) {
		t.Fatalf("insert past the end = %v, want ErrInvalidArgument", err)
	}
}

// A text edit made against an older text (Base) lands where it was meant,
// after edits that reached the engine first.
func TestTextEditsRebaseOverUnseenEdits(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	commit(t, db, put("n", map[string]any{"id": "1", "t": map[string]any{"$hearth": "text", "value": "hello world"}}))
	seen := "hello world"
	commit(t, db, engine.Op{Kind: engine.OpInsertText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 6, Text: "big ", UTF16: true})
	commit(t, db, engine.Op{Kind: engine.OpInsertText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 11, Text: "!", UTF16: true, Base: &seen})
	if got := get(t, db, "n", "1")["t"]; got != "hello big world!" {
		t.Fatalf("insert at the end of the text seen: %q", got)
	}
	seen = "hello big world!"
	commit(t, db, engine.Op{Kind: engine.OpInsertText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 0, Text: ">> ", UTF16: true})
	// Delete "big world" as seen (positions 6 to 15): the unseen ">> " shifts it.
	commit(t, db, engine.Op{Kind: engine.OpDeleteText, Collection: "n", ID: "1", Path: []string{"t"}, Index: 6, Count: 9, UTF16: true, Base: &seen})
	if got := get(t, db, "n", "1")["t"]; got != ">> hello !" {
		t.Fatalf("delete over a shifted range: %q", got)
	}
}
