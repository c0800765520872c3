package engine_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

func insertText(id string, at int, text string) engine.Op {
	return engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: id, Path: []string{"body"}, Index: at, Text: text, UTF16: true}
}

func deleteText(id string, at, count int) engine.Op {
	return engine.Op{Kind: engine.OpDeleteText, Collection: "notes", ID: id, Path: []string{"body"}, Index: at, Count: count, UTF16: true}
}

// Text edits change the engine's copy of a text in place (livetext.go) and
// leave the document's value to build when read. Every reader must still
// see exactly the replica's value (the DBs are Strict, which checks it
// after each commit): after a transaction that failed half-way through its
// edits, after one mixing edits with other ops, for another tab, and for
// subscriptions that start after the edits.
func TestTextEditedInPlace(t *testing.T) {
	var ts tabs
	mem := engine.NewMemoryStorage()
	a, b := ts.open(t, mem), ts.open(t, mem.Reopen())
	defer a.Close()
	defer b.Close()
	defer ts.settle()                                    // before the tabs close: a notice to a closed tab fails the test
	start := "héllo 😀 " + strings.Repeat("wörld ", 4000) // a tail-stored document, non-ASCII, with a surrogate pair
	commit(t, a, put("notes", map[string]any{"id": "n", "title": "t", "body": map[string]any{"$hearth": "text", "value": start}}))
	want := start

	// A burst of keystrokes in one call, as the browser's CommitBatcher sends.
	var txs [][]engine.Op
	for i := range 300 {
		txs = append(txs, []engine.Op{insertText("n", 9+i, "x")}) // after the emoji: 9 UTF-16 units
	}
	txs = append(txs, []engine.Op{deleteText("n", 6, 2)}) // the emoji (units 6 and 7)
	for i, err := range a.CommitEach(ctx, txs) {
		if err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
	}
	want = "héllo  " + strings.Repeat("x", 300) + start[len("héllo 😀 "):]
	checkBody(t, a, "after a burst", want)

	// In a burst (one CRDT change for the run), an edit that fails fails
	// alone; the others, on two documents, are stored.
	commit(t, a, put("notes", map[string]any{"id": "m", "body": map[string]any{"$hearth": "text", "value": "ab"}}))
	errs := a.CommitEach(ctx, [][]engine.Op{
		{insertText("n", 0, "1")}, {insertText("n", 1<<20, "lost")}, {insertText("m", 1, "-")},
		{deleteText("n", 0, 1)}, {insertText("n", 0, "2")}, {deleteText("m", 5, 1)},
	})
	for i, err := range errs {
		if wantErr := i == 1 || i == 5; (err != nil) != wantErr || wantErr && engine.CodeOf(err) != engine.CodeInvalidArgument {
			t.Fatalf("burst edit %d: %v", i, err)
		}
	}
	want = "2" + want
	checkBody(t, a, "after a burst with failures", want)
	if got := get(t, a, "notes", "m")["body"]; got != "a-b" {
		t.Fatalf("the other note reads %q", got)
	}

	// A transaction whose second edit fails leaves the text as it was.
	if err := a.Commit(ctx, []engine.Op{insertText("n", 0, "A"), insertText("n", 1<<30, "B")}); engine.CodeOf(err) != engine.CodeInvalidArgument {
		t.Fatalf("an edit past the end: %v", err)
	}
	checkBody(t, a, "after a failed transaction", want)
	update := engine.Op{Kind: engine.OpUpdate, Collection: "notes", ID: "n", Value: map[string]any{"title": "u"}}
	if err := a.Commit(ctx, []engine.Op{insertText("n", 0, "A"), update, insertText("n", 1<<30, "B")}); err == nil {
		t.Fatal("an edit past the end after an update committed")
	}
	checkBody(t, a, "after a failed transaction with an update", want)
	commit(t, a, insertText("n", 0, "-"), deleteText("n", 0, 1)) // edits the text in place again
	checkBody(t, a, "after a failed transaction and an edit", want)

	// Edits around an update of the same document, in one transaction.
	commit(t, a, insertText("n", 0, "<"), update, insertText("n", 1, ">"))
	want = "<>" + want
	checkBody(t, a, "after edits around an update", want)
	if got := get(t, a, "notes", "n")["title"]; got != "u" {
		t.Fatalf("title %v", got)
	}

	// The other tab follows, and a subscription opened now reads the text.
	commit(t, a, insertText("n", 2, "!"))
	want = "<>!" + want[2:]
	ts.settle()
	checkBody(t, b, "in the other tab", want)
	rows := make(chan []map[string]any, 4)
	only := query.Query{Collection: "notes", Where: &query.Filter{Field: "id", Op: query.OpEq, Value: "n"}}
	cancel, err := a.Subscribe(ctx, only, func(r []map[string]any) { rows <- r })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if r := <-rows; len(r) != 1 || r[0]["body"] != want {
		t.Fatalf("subscription read %.40v", r)
	}
	commit(t, a, insertText("n", 0, "#"))
	if r := <-rows; len(r) != 1 || r[0]["body"] != "#"+want {
		t.Fatalf("subscription heard %.40v", r)
	}
	reopened := openDB(t, mem.Reopen())
	defer reopened.Close()
	checkBody(t, reopened, "reopened", "#"+want)
}

func checkBody(t *testing.T, db *engine.DB, when, want string) {
	t.Helper()
	doc := get(t, db, "notes", "n")
	if got, _ := doc["body"].(string); got != want {
		t.Fatalf("%s: body is %d bytes %.30q…, want %d bytes %.30q…", when, len(got), got, len(want), want)
	}
	if !reflect.DeepEqual(doc["id"], "n") {
		t.Fatalf("%s: id %v", when, doc["id"])
	}
}

// Base works for edits in code points too (Go callers'), not only in UTF-16
// units: an edit made against the text as read lands where it was meant
// after a remote edit reached the engine in between. The fault simulation
// found it ignored there (positions past the end, now and then).
func TestBaseInCodePoints(t *testing.T) {
	a, b := openDB(t, engine.NewMemoryStorage()), openDB(t, engine.NewMemoryStorage())
	defer a.Close()
	defer b.Close()
	body := func(db *engine.DB) string { return get(t, db, "notes", "n")["body"].(string) }
	edit := func(kind engine.OpKind, at, count int, text, base string) engine.Op {
		return engine.Op{Kind: kind, Collection: "notes", ID: "n", Path: []string{"body"}, Index: at, Count: count, Text: text, Base: &base}
	}
	commit(t, a, put("notes", map[string]any{"id": "n", "body": map[string]any{"$hearth": "text", "value": "😀 hello world"}}))
	ship(t, a, b, version(t, b))
	read := body(b)
	commit(t, a, engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 0, Text: "AB"})
	ship(t, a, b, version(t, b))
	commit(t, b, edit(engine.OpInsertText, 8, 0, "big ", read)) // before "world" as read
	read = body(b)
	commit(t, a, engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 15, Text: "Z"})
	ship(t, a, b, version(t, b))
	commit(t, b, edit(engine.OpDeleteText, 4, 6, "", read)) // "hello " as read
	if got := body(b); got != "AB😀 big worldZ" {
		t.Fatalf("body %q", got)
	}
}
