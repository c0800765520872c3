package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/query"
)

// countingStorage counts the bytes the engine writes.
type countingStorage struct {
	engine.Storage
	mu    sync.Mutex
	bytes int
}

func (c *countingStorage) Commit(ctx context.Context, writes []engine.Write) error {
	c.mu.Lock()
	for _, w := range writes {
		c.bytes += len(w.Key) + len(w.Value)
	}
	c.mu.Unlock()
	return c.Storage.Commit(ctx, writes)
}

func (c *countingStorage) written() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// textModel is the expected text, edited in UTF-16 units as JS does.
type textModel struct{ units []uint16 }

func (m *textModel) String() string { return string(utf16.Decode(m.units)) }

// edit makes a random insert or delete at a character boundary and returns
// its op.
func (m *textModel) edit(rng *rand.Rand, coll, id string) engine.Op {
	boundary := func() int {
		for {
			i := rng.IntN(len(m.units) + 1)
			if i == len(m.units) || !utf16.IsSurrogate(rune(m.units[i])) || m.units[i] < 0xDC00 {
				return i
			}
		}
	}
	at := boundary()
	if rng.IntN(3) > 0 || len(m.units) == 0 {
		text := []string{"a", "b", " ", "é", "😀", "xyz"}[rng.IntN(6)]
		ins := utf16.Encode([]rune(text))
		m.units = append(m.units[:at], append(ins, m.units[at:]...)...)
		return engine.Op{Kind: engine.OpInsertText, Collection: coll, ID: id, Path: []string{"body"}, Index: at, Text: text, UTF16: true}
	}
	end := min(at+1+rng.IntN(3), len(m.units)) // a few units, like typing
	if end < len(m.units) && m.units[end] >= 0xDC00 && m.units[end] <= 0xDFFF {
		end++ // not inside a surrogate pair
	}
	if end == at {
		at--
		if at > 0 && m.units[at] >= 0xDC00 && m.units[at] <= 0xDFFF {
			at--
		}
	}
	m.units = append(m.units[:at], m.units[end:]...)
	return engine.Op{Kind: engine.OpDeleteText, Collection: coll, ID: id, Path: []string{"body"}, Index: at, Count: end - at, UTF16: true}
}

func putNote(t *testing.T, db *engine.DB, id, body string) {
	t.Helper()
	commit(t, db, put("notes", map[string]any{"id": id, "title": id, "body": map[string]any{"$hearth": "text", "value": body}}))
}

// A keystroke into a large text writes a tail entry, not the document:
// what each commit writes stays small however large the text is, and
// reopening the storage, a collection load, a cold Get and an indexed cold
// query all read the text as committed, before and after checkpoints.
func TestLargeTextCommitsWriteWhatChanged(t *testing.T) {
	store := &countingStorage{Storage: engine.NewMemoryStorage()}
	db := openDB(t, store)
	if err := db.CreateIndex(ctx, "notes", "title"); err != nil {
		t.Fatal(err)
	}
	model := &textModel{units: utf16.Encode([]rune(strings.Repeat("0123456789", 5_000)))}
	putNote(t, db, "n", model.String())
	putNote(t, db, "small", "s")
	rng := rand.New(rand.NewPCG(1, 2))
	before := store.written()
	const edits = 1200
	for range edits {
		commit(t, db, model.edit(rng, "notes", "n"))
	}
	if perEdit := (store.written() - before) / edits; perEdit > 1024 {
		t.Fatalf("a keystroke wrote %d bytes on average into a 50,000-character text; want at most 1 KiB", perEdit)
	}
	if got := db.StorageStats().Bytes; got != int64(store.written()) {
		t.Fatalf("StorageStats counts %d bytes written, the storage received %d", got, store.written())
	}
	check := func(when string) {
		t.Helper()
		fresh := openDB(t, store.Storage.(*engine.MemoryStorage).Reopen())
		defer fresh.Close()
		if got := get(t, fresh, "notes", "n")["body"]; got != model.String() {
			t.Fatalf("%s: a cold Get reads %d characters, want the %d committed", when, len(got.(string)), len(model.String()))
		}
		rows, err := fresh.Query(ctx, query.Query{Collection: "notes", OrderBy: []query.Order{{Field: "title"}}, Limit: 1})
		if err != nil || len(rows) != 1 || rows[0]["body"] != model.String() {
			t.Fatalf("%s: an indexed cold query read %d rows (%v), not the committed text", when, len(rows), err)
		}
		docs := all(t, fresh, "notes")
		if len(docs) != 2 || docs[0]["body"] != model.String() {
			t.Fatalf("%s: the collection loads as %d documents, not with the committed text", when, len(docs))
		}
	}
	check("with a tail")
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		commit(t, db, model.edit(rng, "notes", "n"))
	}
	check("after a checkpoint and more edits")
	db.Close()
	db = openDB(t, store.Storage.(*engine.MemoryStorage).Reopen()) // writes on from the stored tail
	for range 50 {
		commit(t, db, model.edit(rng, "notes", "n"))
	}
	check("after edits by a reopened database")
}

// Readers that do not hold the lock (a collection's load, Get on a
// collection not loaded) read a text that another tab keeps editing and
// checkpointing: they always get a state that was committed, never an
// error or a torn one.
func TestTailReadersRaceCommitsAndCheckpoints(t *testing.T) {
	var ts tabs
	mem := engine.NewMemoryStorage()
	writer := ts.open(t, mem)
	model := &textModel{units: utf16.Encode([]rune(strings.Repeat("abcdefghij", 1000)))}
	putNote(t, writer, "n", model.String())
	rng := rand.New(rand.NewPCG(3, 4))
	var mu sync.Mutex
	committed := map[string]bool{model.String(): true}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 600 {
			op := model.edit(rng, "notes", "n")
			mu.Lock()
			committed[model.String()] = true
			mu.Unlock()
			if err := writer.Commit(ctx, []engine.Op{op}); err != nil {
				t.Error(err)
				return
			}
			if i%50 == 0 {
				if err := writer.Checkpoint(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if reads == 0 {
				t.Fatal("no read overlapped the writes")
			}
			ts.settle()
			return
		default:
		}
		reader, err := engine.Open(ctx, mem.Reopen(), engine.Options{Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if reads%2 == 0 {
			body = get(t, reader, "notes", "n")["body"]
		} else {
			body = all(t, reader, "notes")[0]["body"]
		}
		mu.Lock()
		ok := committed[fmt.Sprint(body)]
		mu.Unlock()
		if !ok {
			t.Fatalf("read %d saw a text that was never committed (%d characters)", reads, len(fmt.Sprint(body)))
		}
		reader.Close()
	}
}

// Another tab follows a large note that one tab edits: the notices leave
// the note's value out, and the other tab reads it from the storage.
func TestOtherTabsFollowLargeDocuments(t *testing.T) {
	var ts tabs
	mem := engine.NewMemoryStorage()
	a, b := ts.open(t, mem), ts.open(t, mem.Reopen())
	model := &textModel{units: utf16.Encode([]rune(strings.Repeat("abcdefghij", 3000)))}
	putNote(t, a, "n", model.String())
	var mu sync.Mutex
	var seen string
	cancel, err := b.Subscribe(ctx, query.Query{Collection: "notes"}, func(r []map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		if len(r) == 1 {
			seen, _ = r[0]["body"].(string)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 40 {
		commit(t, a, model.edit(rng, "notes", "n"))
	}
	ts.settle()
	if ts.largest > 4096 {
		t.Fatalf("a notice of %d bytes went to the other tab: a large note's value must stay out", ts.largest)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		done := seen == model.String()
		mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tab B's subscription holds %d characters, tab A committed %d", len(seen), len(model.String()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A transaction of many keystrokes (as an editor that groups them sends)
// lands each where it was asked, on the text the ones before it left.
func TestManyTextEditsInOneTransaction(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	model := &textModel{units: utf16.Encode([]rune("héllo 😀 wörld"))}
	putNote(t, db, "n", model.String())
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5 {
		ops := make([]engine.Op, 200)
		for i := range ops {
			ops[i] = model.edit(rng, "notes", "n")
		}
		commit(t, db, ops...)
		if got := get(t, db, "notes", "n")["body"]; got != model.String() {
			t.Fatalf("after a transaction of 200 edits the text is %q, want %q", got, model.String())
		}
	}
}

// A checkpoint that falls due waits for a pause in the commits (it would
// slow a burst of typing), and Close runs it: a database closed right
// after a burst reopens with its document checkpointed, no tail to replay.
func TestCheckpointWaitsForAPauseOrClose(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	putNote(t, db, "n", strings.Repeat("0123456789", 5_000))
	var txs [][]engine.Op
	for i := range 3000 { // past tailFloor: due
		txs = append(txs, []engine.Op{insertText("n", i, "ab")})
	}
	for _, err := range db.CommitEach(ctx, txs) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if tail, _ := mem.Scan(ctx, engine.StoreTail, ""); len(tail) == 0 {
		t.Fatal("the burst left no tail entry: nothing to checkpoint")
	}
	want := get(t, db, "notes", "n")["body"]
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	reopened := mem.Reopen()
	if tail, _ := reopened.Scan(ctx, engine.StoreTail, ""); len(tail) != 0 {
		t.Fatalf("Close left %d tail entries of a document due for a checkpoint", len(tail))
	}
	fresh := openDB(t, reopened)
	defer fresh.Close()
	if got := get(t, fresh, "notes", "n")["body"]; got != want || len(want.(string)) != 56_000 {
		t.Fatal("the reopened note is not the text committed")
	}
}
