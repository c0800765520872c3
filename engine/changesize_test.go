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
