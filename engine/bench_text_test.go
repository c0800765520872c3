package engine_test

import (
	"strings"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

// BenchmarkKeystrokeInLargeNote types one character at a time, awaited,
// into the middle of a 104,852-character text (the automerge-paper trace's
// final length), as an editor does with one commit per keystroke. bytes/op
// is what each commit writes to the storage: it must not grow with the
// note.
func BenchmarkKeystrokeInLargeNote(b *testing.B) {
	store := &countingStorage{Storage: engine.NewMemoryStorage()}
	db, err := engine.Open(ctx, store, engine.Options{Clock: fixedClock()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	body := strings.Repeat("lorem ipsum dolor sit amet, ", 104_852/28+1)[:104_852]
	if err := db.Commit(ctx, []engine.Op{put("notes", map[string]any{"id": "n", "body": map[string]any{"$hearth": "text", "value": body}})}); err != nil {
		b.Fatal(err)
	}
	before := store.bytes
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		op := engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 50_000 + i%1000, Text: "x", UTF16: true}
		if err := db.Commit(ctx, []engine.Op{op}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(store.bytes-before)/float64(b.N), "bytes/op")
}
