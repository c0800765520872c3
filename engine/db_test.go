package engine_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

func TestPutGetDeleteAll(t *testing.T) {
	ctx := context.Background()
	db := engine.Open(engine.NewMemoryStorage())
	defer db.Close()
	docs := []map[string]any{
		{"id": "b", "title": "second", "done": true, "n": 2.5, "tags": []any{"x", nil}},
		{"id": "a", "title": "first", "nested": map[string]any{"deep": map[string]any{"k": int64(7)}}},
	}
	for _, d := range docs {
		if err := db.Put(ctx, "todos", d); err != nil {
			t.Fatalf("Put(%v): %v", d["id"], err)
		}
	}
	if err := db.Put(ctx, "todosX", map[string]any{"id": "z"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.Get(ctx, "todos", "b")
	if err != nil || !ok || !reflect.DeepEqual(got, docs[0]) {
		t.Fatalf("Get(b) = %#v, %v, %v; want %#v", got, ok, err, docs[0])
	}
	all, err := db.All(ctx, "todos")
	if err != nil {
		t.Fatal(err)
	}
	if want := []map[string]any{docs[1], docs[0]}; !reflect.DeepEqual(all, want) {
		t.Fatalf("All = %#v, want %#v (ordered by id, other collections excluded)", all, want)
	}
	if err := db.Delete(ctx, "todos", "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.Get(ctx, "todos", "a"); ok || err != nil {
		t.Fatalf("Get(deleted) = ok %v, err %v; want not found, nil", ok, err)
	}
	if err := db.Delete(ctx, "todos", "never"); err != nil {
		t.Fatalf("Delete(missing) = %v, want nil", err)
	}
}

func TestPutReplacesWholeDocument(t *testing.T) {
	ctx := context.Background()
	db := engine.Open(engine.NewMemoryStorage())
	defer db.Close()
	must(t, db.Put(ctx, "c", map[string]any{"id": "1", "a": "x", "b": "y"}))
	must(t, db.Put(ctx, "c", map[string]any{"id": "1", "a": "z"}))
	got, _, _ := db.Get(ctx, "c", "1")
	if want := map[string]any{"id": "1", "a": "z"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Get = %v, want %v", got, want)
	}
}

func TestBadInputIsRejectedAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := engine.Open(engine.NewMemoryStorage())
	defer db.Close()
	keep := map[string]any{"id": "keep", "v": "old"}
	must(t, db.Put(ctx, "c", keep))
	deep := map[string]any{"id": "deep"}
	for cur, i := deep, 0; i < 100; i++ {
		next := map[string]any{}
		cur["n"] = next
		cur = next
	}
	cases := map[string]struct {
		coll string
		doc  map[string]any
	}{
		"nil document":      {"c", nil},
		"no id":             {"c", map[string]any{"v": 1.0}},
		"empty id":          {"c", map[string]any{"id": ""}},
		"numeric id":        {"c", map[string]any{"id": 3.0}},
		"NaN":               {"c", map[string]any{"id": "keep", "v": math.NaN()}},
		"infinity":          {"c", map[string]any{"id": "keep", "v": math.Inf(1)}},
		"unsupported type":  {"c", map[string]any{"id": "keep", "v": struct{}{}}},
		"nested bad value":  {"c", map[string]any{"id": "keep", "v": []any{map[string]any{"f": func() {}}}}},
		"too deep":          {"c", deep},
		"empty collection":  {"", map[string]any{"id": "x"}},
		"NUL in collection": {"a\x00b", map[string]any{"id": "x"}},
	}
	for name, tc := range cases {
		err := db.Put(ctx, tc.coll, tc.doc)
		if !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("%s: Put error = %v, want ErrInvalidArgument", name, err)
		}
		if engine.CodeOf(err) != engine.CodeInvalidArgument {
			t.Errorf("%s: CodeOf = %v", name, engine.CodeOf(err))
		}
	}
	got, _, _ := db.Get(ctx, "c", "keep")
	if !reflect.DeepEqual(got, keep) {
		t.Fatalf("after bad input Get(keep) = %v, want %v", got, keep)
	}
}

func TestClosedDatabaseFails(t *testing.T) {
	db := engine.Open(engine.NewMemoryStorage())
	must(t, db.Close())
	must(t, db.Close())
	err := db.Put(context.Background(), "c", map[string]any{"id": "x"})
	if !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("Put after Close = %v, want ErrClosed", err)
	}
	if _, err := db.All(context.Background(), "c"); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("All after Close = %v, want ErrClosed", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
