package engine_test

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"

	"github.com/hearthdb/hearth/engine"
)

// traceEdit is one patch of a shared editing trace: at pos, delete del
// characters, then insert ins.
type traceEdit struct {
	pos, del int
	ins      string
}

// loadTraceEdits reads the patches of a trace of ../shared/traces (the
// benchmark skips when they are absent).
func loadTraceEdits(b *testing.B, name string) []traceEdit {
	f, err := os.Open("../../shared/traces/" + name)
	if err != nil {
		b.Skipf("trace %s not available: %v", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var t struct {
		Txns []struct {
			Patches [][3]json.RawMessage `json:"patches"`
		} `json:"txns"`
	}
	if err := json.NewDecoder(zr).Decode(&t); err != nil {
		b.Fatal(err)
	}
	var edits []traceEdit
	for _, txn := range t.Txns {
		for _, p := range txn.Patches {
			var e traceEdit
			if json.Unmarshal(p[0], &e.pos) != nil || json.Unmarshal(p[1], &e.del) != nil || json.Unmarshal(p[2], &e.ins) != nil {
				b.Fatalf("bad patch %s", p)
			}
			edits = append(edits, e)
		}
	}
	return edits
}

// BenchmarkTraceUnawaited is the engine's part of bench-peers' un-awaited
// phase, natively on MemoryStorage: the automerge-paper trace as one
// transaction per patch, in CommitEach calls of 2,000 (what the browser's
// CommitBatcher sends when a task issues 2,000 calls).
func BenchmarkTraceUnawaited(b *testing.B) {
	edits := loadTraceEdits(b, "automerge-paper.json.gz")
	const window = 2000
	for b.Loop() {
		db, err := engine.Open(ctx, engine.NewMemoryStorage(), engine.Options{Clock: fixedClock()})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Commit(ctx, []engine.Op{put("notes", map[string]any{"id": "n", "body": map[string]any{"$hearth": "text", "value": ""}})}); err != nil {
			b.Fatal(err)
		}
		for start := 0; start < len(edits); start += window {
			end := min(start+window, len(edits))
			txs := make([][]engine.Op, 0, end-start)
			for _, e := range edits[start:end] {
				var ops []engine.Op
				if e.del > 0 {
					ops = append(ops, engine.Op{Kind: engine.OpDeleteText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: e.pos, Count: e.del, UTF16: true})
				}
				if e.ins != "" {
					ops = append(ops, engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: e.pos, Text: e.ins, UTF16: true})
				}
				txs = append(txs, ops)
			}
			for i, err := range db.CommitEach(ctx, txs) {
				if err != nil {
					b.Fatalf("edit %d: %v", start+i, err)
				}
			}
		}
		db.Close()
	}
}
