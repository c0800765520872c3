package crdt

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// traceDir is where the shared editing traces live, relative to crdt/.
const traceDir = "../../shared/traces"

type tracePatch struct {
	Pos, Del int
	Ins      string
}

func (p *tracePatch) UnmarshalJSON(b []byte) error {
	var raw [3]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[0], &p.Pos); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[1], &p.Del); err != nil {
		return err
	}
	return json.Unmarshal(raw[2], &p.Ins)
}

type traceTxn struct {
	Patches []tracePatch `json:"patches"`
	Agent   int          `json:"agent"`
	Parents []int        `json:"parents"`
}

// apply makes the transaction's edits to the paper's text.
func (txn traceTxn) apply(tx *Tx) error {
	for _, p := range txn.Patches {
		if p.Del > 0 {
			if err := tx.DeleteText("docs", "paper", textPath, p.Pos, p.Del); err != nil {
				return err
			}
		}
		if p.Ins != "" {
			if err := tx.InsertText("docs", "paper", textPath, p.Pos, p.Ins); err != nil {
				return err
			}
		}
	}
	return nil
}

type trace struct {
	StartContent string     `json:"startContent"`
	EndContent   string     `json:"endContent"`
	NumAgents    int        `json:"numAgents"`
	Txns         []traceTxn `json:"txns"`
}

func loadTrace(tb testing.TB, name string) *trace {
	tb.Helper()
	f, err := os.Open(filepath.Join(traceDir, name))
	if err != nil {
		tb.Skipf("trace %s not available (%v): expected the shared traces at %s", name, err, traceDir)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var t trace
	if err := json.NewDecoder(zr).Decode(&t); err != nil {
		tb.Fatal(err)
	}
	return &t
}

// fakeClock returns a deterministic clock advancing 1 ms per reading.
func fakeClock(start int64) func() time.Time {
	ms := start
	return func() time.Time {
		ms++
		return time.UnixMilli(ms)
	}
}

func mustReplica(tb testing.TB, actor ActorID, opts ...Option) *Replica {
	tb.Helper()
	r, err := NewReplica(actor, append([]Option{WithClock(fakeClock(1_700_000_000_000))}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

var textPath = []string{"body"}

// replayTrace applies a sequential trace as one local transaction per trace
// transaction and returns the changes if keep is set. The benchmarks do not
// keep them: an editor sends each change and drops it, and holding 260,000
// of them would make the garbage collector scan them on every cycle.
func replayTrace(tb testing.TB, r *Replica, t *trace, keep bool) []*Change {
	tb.Helper()
	c, _, err := r.Transact(func(tx *Tx) error {
		return tx.Put("docs", "paper", map[string]any{"body": Text(t.StartContent)})
	})
	if err != nil {
		tb.Fatal(err)
	}
	var changes []*Change
	if keep {
		changes = append(make([]*Change, 0, len(t.Txns)+1), c)
	}
	for i := range t.Txns {
		c, _, err := r.Transact(func(tx *Tx) error { return t.Txns[i].apply(tx) })
		if err != nil {
			tb.Fatalf("txn %d: %v", i, err)
		}
		if c != nil && keep {
			changes = append(changes, c)
		}
	}
	return changes
}

func bodyOf(tb testing.TB, r *Replica) string {
	tb.Helper()
	d, ok := r.Get("docs", "paper")
	if !ok {
		tb.Fatal("document missing")
	}
	s, _ := d["body"].(string)
	return s
}

func TestTraceAutomergePaper(t *testing.T) {
	tr := loadTrace(t, "automerge-paper.json.gz")
	r := mustReplica(t, "alice")
	changes := replayTrace(t, r, tr, true)
	if got := bodyOf(t, r); got != tr.EndContent {
		t.Fatalf("local replay: got %d chars, want %d", len(got), len(tr.EndContent))
	}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	r2 := mustReplica(t, "bob")
	if _, err := r2.Apply(changes...); err != nil {
		t.Fatal(err)
	}
	if got := bodyOf(t, r2); got != tr.EndContent {
		t.Fatalf("remote replay differs")
	}
	if err := r2.Check(); err != nil {
		t.Fatal(err)
	}
}
