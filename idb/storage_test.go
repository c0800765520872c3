//go:build js && wasm

package idb_test

import (
	"context"
	"testing"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/engine/storagetest"
	"github.com/hearthdb/hearth/idb"
)

func TestIndexedDBConformance(t *testing.T) {
	ctx := context.Background()
	storagetest.Run(t, func(t *testing.T, name string) engine.Storage {
		s, err := idb.Open(ctx, name)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		return s
	})
}

func TestEngineOnIndexedDB(t *testing.T) {
	ctx := context.Background()
	name := "engine-on-idb"
	if err := idb.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	s, err := idb.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	db := engine.Open(s)
	if err := db.Put(ctx, "todos", map[string]any{"id": "1", "title": "write"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = idb.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	db = engine.Open(s)
	defer db.Close()
	doc, ok, err := db.Get(ctx, "todos", "1")
	if err != nil || !ok || doc["title"] != "write" {
		t.Fatalf("after reopen Get = %v, %v, %v; want the written document", doc, ok, err)
	}
}
