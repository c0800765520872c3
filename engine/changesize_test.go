package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
	hsync "github.com/hearthdb/hearth/sync"
)

// TestChangeTooLarge: a transaction whose change would be over the limit
// is refused with ChangeTooLargeError before anything is stored or shown
// (whether its strings alone are over, or only its encoding), and the
// database goes on; a 16 MiB document commits.
func TestChangeTooLarge(t *testing.T) {
	if engine.MaxChangeBytes != hsync.DefaultLimits.MaxChange {
		t.Fatalf("commit limit %d, sync carries %d", engine.MaxChangeBytes, hsync.DefaultLimits.MaxChange)
	}
	db := openDB(t, engine.NewMemoryStorage())
	var seen [][]map[string]any
	stop, err := db.Subscribe(ctx, query.Query{Collection: "docs"}, func(r []map[string]any) { seen = append(seen, r) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	numbers := make([]any, 4<<20) // 4M numbers: a few bytes of strings, about 36 MiB encoded
	for i := range numbers {
		numbers[i] = float64(i) + 0.5
	}
	for _, doc := range []map[string]any{
		{"id": "huge", "body": strings.Repeat("x", engine.MaxChangeBytes+1)},
		{"id": "many", "list": numbers},
	} {
		err := db.Commit(ctx, []engine.Op{put("docs", doc)})
		if !errors.Is(err, engine.ErrChangeTooLarge) || engine.CodeOf(err) != "ChangeTooLargeError" ||
			!strings.Contains(err.Error(), "33554432 bytes") {
			t.Fatalf("%s: err %v", doc["id"], err)
		}
		if get(t, db, "docs", doc["id"].(string)) != nil {
			t.Fatalf("%s was stored", doc["id"])
		}
	}
	if v, _ := db.Version(ctx); len(v) != 0 {
		t.Fatalf("version %v after refused commits", v)
	}
	for _, r := range seen {
		if len(r) != 0 {
			t.Fatalf("a subscription saw %d documents of a refused commit", len(r))
		}
	}
	commit(t, db, put("docs", map[string]any{"id": "big", "body": strings.Repeat("y", 16<<20)}))
	if v, _ := db.Version(ctx); len(v) != 1 {
		t.Fatalf("version %v", v)
	}
	if got := get(t, db, "docs", "big")["body"].(string); len(got) != 16<<20 {
		t.Fatalf("16 MiB document read back as %d bytes", len(got))
	}
}

// TestTextRunTooLarge: a burst of text edits (one change for the run,
// textrun.go) keeps the commit limit. An edit over it alone fails alone
// with ChangeTooLargeError; edits within it that are over it together are
// committed one by one instead of refused; a run within it is one change.
func TestTextRunTooLarge(t *testing.T) {
	defer func(was int) { engine.MaxChangeBytes = was }(engine.MaxChangeBytes)
	engine.MaxChangeBytes = 64 << 10
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	commit(t, db, put("notes", map[string]any{"id": "n", "body": map[string]any{"$hearth": "text", "value": "end"}}))
	changes := func() (n uint64) {
		v, err := db.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, seq := range v {
			n += seq
		}
		return n
	}
	burst := func(texts ...string) []error {
		txs := make([][]engine.Op, len(texts))
		for i, s := range texts {
			txs[i] = []engine.Op{insertText("n", 0, s)}
		}
		return db.CommitEach(ctx, txs)
	}
	a, b, c, d := strings.Repeat("a", 30<<10), strings.Repeat("b", 70<<10), strings.Repeat("c", 30<<10), strings.Repeat("d", 30<<10)
	before := changes()
	for i, err := range burst(a, b, c, d) {
		if wantErr := i == 1; (err != nil) != wantErr || wantErr && (!errors.Is(err, engine.ErrChangeTooLarge) || engine.CodeOf(err) != engine.CodeChangeTooLarge) {
			t.Fatalf("edit %d: %v", i, err)
		}
	}
	checkBody(t, db, "after a burst over the limit", d+c+a+"end")
	if got := changes() - before; got != 3 {
		t.Fatalf("%d changes for 3 edits over the limit together, want one each", got)
	}
	before = changes()
	x := strings.Repeat("x", 10<<10)
	for i, err := range burst(x, x, x) {
		if err != nil {
			t.Fatalf("small edit %d: %v", i, err)
		}
	}
	checkBody(t, db, "after a burst within the limit", x+x+x+d+c+a+"end")
	if got := changes() - before; got != 1 {
		t.Fatalf("%d changes for a run within the limit, want 1", got)
	}
}
