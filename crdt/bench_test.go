package crdt

import (
	"fmt"
	"math/rand"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time, so that benchmarks
// can report CPU cost on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkTraceLocal applies the automerge-paper trace as local edits, one
// transaction (and so one Change and one Patch) per trace transaction.
func BenchmarkTraceLocal(b *testing.B) {
	tr := loadTrace(b, "automerge-paper.json.gz")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		replayTrace(b, mustReplica(b, "alice"), tr, false)
	}
	reportCPU(b, cpu)
}

// BenchmarkTraceLocalNoLog is BenchmarkTraceLocal on a replica made
// WithoutChangeLog, as the engine's is: the cost of keeping every change.
func BenchmarkTraceLocalNoLog(b *testing.B) {
	tr := loadTrace(b, "automerge-paper.json.gz")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		replayTrace(b, mustReplica(b, "alice", WithoutChangeLog()), tr, false)
	}
	reportCPU(b, cpu)
}

// BenchmarkTraceSequence applies the trace straight to the sequence CRDT,
// without transactions, changes or patches: the cost of the data structure.
func BenchmarkTraceSequence(b *testing.B) {
	tr := loadTrace(b, "automerge-paper.json.gz")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		replaySequence(b, tr, nil)
	}
	reportCPU(b, cpu)
}

// BenchmarkTraceAllocFloor is BenchmarkTraceSequence plus the two
// allocations that Transact cannot avoid for each trace transaction: the
// Change it returns (with room for one operation) and the Patch. It does
// nothing else, so it is the floor for BenchmarkTraceLocalNoLog: the
// garbage collector's work for those 490 bytes a transaction is included.
func BenchmarkTraceAllocFloor(b *testing.B) {
	tr := loadTrace(b, "automerge-paper.json.gz")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		replaySequence(b, tr, func(i int, ctr uint64) {
			floorChange = newChange("alice", uint64(i+1), HLC{}, ctr)
			floorPatch = &patchBlock{}
		})
	}
	reportCPU(b, cpu)
}

// replaySequence applies the trace's patches to a new sequence, calling
// beforeTxn (when not nil) with each transaction's index and first counter.
func replaySequence(b *testing.B, tr *trace, beforeTxn func(i int, ctr uint64)) {
	s := newSeq[rune]()
	ctr := uint64(1)
	for i := range tr.Txns {
		if beforeTxn != nil {
			beforeTxn(i, ctr)
		}
		for _, p := range tr.Txns[i].Patches {
			if p.Del > 0 {
				s.localDelete(p.Pos, p.Del)
			}
			if p.Ins != "" {
				rs := []rune(p.Ins)
				s.localInsert(p.Pos, ID{"alice", ctr}, rs)
				ctr += uint64(len(rs))
			}
		}
	}
	if s.vis != len([]rune(tr.EndContent)) {
		b.Fatal("wrong length")
	}
}

// Where BenchmarkTraceAllocFloor leaves its allocations, so that they
// escape as Transact's do.
var (
	floorChange *Change
	floorPatch  *patchBlock
)

var traceOnce struct {
	sync.Once
	r       *Replica
	changes []*Change
	snap    []byte
}

// tracedReplica returns a replica holding the replayed trace, its changes
// and its snapshot (computed once).
func tracedReplica(b *testing.B) (*Replica, []*Change, []byte) {
	tr := loadTrace(b, "automerge-paper.json.gz")
	traceOnce.Do(func() {
		r := mustReplica(b, "alice")
		traceOnce.changes = replayTrace(b, r, tr, true)
		traceOnce.r = r
		traceOnce.snap = r.EncodeSnapshot()
	})
	return traceOnce.r, traceOnce.changes, traceOnce.snap
}

// BenchmarkTraceEncode encodes the final document; bytes is its size.
func BenchmarkTraceEncode(b *testing.B) {
	r, _, _ := tracedReplica(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(r.EncodeSnapshot())
	}
	b.ReportMetric(float64(n), "bytes")
}

// BenchmarkTraceLoad loads the final document's snapshot.
func BenchmarkTraceLoad(b *testing.B) {
	_, _, snap := tracedReplica(b)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := LoadSnapshot("bob", snap); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(len(snap)), "bytes")
}

// BenchmarkTraceMerge applies the trace's changes to an empty replica.
func BenchmarkTraceMerge(b *testing.B) {
	_, changes, _ := tracedReplica(b)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		r := mustReplica(b, "bob")
		if _, err := r.Apply(changes...); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(len(changes)), "changes")
}

// BenchmarkTraceEncodeChanges encodes every change of the trace; bytes is
// the total wire size.
func BenchmarkTraceEncodeChanges(b *testing.B) {
	_, changes, _ := tracedReplica(b)
	var n int
	for b.Loop() {
		n = 0
		for _, c := range changes {
			n += len(EncodeChange(c))
		}
	}
	b.ReportMetric(float64(n), "bytes")
}

const recordDocs = 10_000

var recordFields = []string{"title", "owner", "prio", "done", "score"}

func recordValue(rng *rand.Rand, f string) any {
	switch f {
	case "prio":
		return int64(rng.Intn(5))
	case "done":
		return rng.Intn(2) == 0
	case "score":
		return rng.Float64()
	}
	return fmt.Sprintf("%s-%d", f, rng.Intn(1_000_000))
}

func recordUpdate(b *testing.B, r *Replica, rng *rand.Rand) *Change {
	f := recordFields[rng.Intn(len(recordFields))]
	c, _, err := r.Transact(func(tx *Tx) error {
		return tx.Set("records", fmt.Sprint(rng.Intn(recordDocs)), []string{f}, recordValue(rng, f))
	})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkRecords: 10,000 documents of 5 fields (one transaction each),
// then 10,000 random field updates, then two replicas each making 5,000
// concurrent updates offline and merging both ways. Each phase reports
// its own time.
func BenchmarkRecords(b *testing.B) {
	b.ReportAllocs()
	var create, update, offline, merge time.Duration
	for b.Loop() {
		rng := rand.New(rand.NewSource(1))
		r := mustReplica(b, "alice")
		t0 := time.Now()
		var log []*Change
		for i := 0; i < recordDocs; i++ {
			doc := map[string]any{}
			for _, f := range recordFields {
				doc[f] = recordValue(rng, f)
			}
			c, _, err := r.Transact(func(tx *Tx) error { return tx.Put("records", fmt.Sprint(i), doc) })
			if err != nil {
				b.Fatal(err)
			}
			log = append(log, c)
		}
		t1 := time.Now()
		for i := 0; i < recordDocs; i++ {
			log = append(log, recordUpdate(b, r, rng))
		}
		t2 := time.Now()
		b.StopTimer()
		other := mustReplica(b, "bob")
		if _, err := other.Apply(log...); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t3 := time.Now()
		var fromA, fromB []*Change
		for i := 0; i < 5000; i++ {
			fromA = append(fromA, recordUpdate(b, r, rng))
			fromB = append(fromB, recordUpdate(b, other, rng))
		}
		t4 := time.Now()
		if _, err := r.Apply(fromB...); err != nil {
			b.Fatal(err)
		}
		if _, err := other.Apply(fromA...); err != nil {
			b.Fatal(err)
		}
		t5 := time.Now()
		if !r.Version().Equal(other.Version()) {
			b.Fatal("versions differ")
		}
		create, update, offline, merge = create+t1.Sub(t0), update+t2.Sub(t1), offline+t4.Sub(t3), merge+t5.Sub(t4)
	}
	n := float64(b.N) * 1e6
	b.ReportMetric(float64(create)/n, "create-ms")
	b.ReportMetric(float64(update)/n, "update-ms")
	b.ReportMetric(float64(offline)/n, "offline-ms")
	b.ReportMetric(float64(merge)/n, "merge-ms")
}

// BenchmarkKeystroke measures one transaction typing one character at the
// end of a text: the fixed cost of Transact, its Change and its Patch.
func BenchmarkKeystroke(b *testing.B) {
	r := mustReplica(b, "alice")
	if _, _, err := r.Transact(func(tx *Tx) error {
		return tx.Put("docs", "d", map[string]any{"body": Text("x")})
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 1
	cpu := cpuTime()
	for b.Loop() {
		if _, _, err := r.Transact(func(tx *Tx) error { return tx.InsertText("docs", "d", textPath, i, "a") }); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkTraceEncodeBatch encodes all changes of the trace as one batch;
// bytes is its size (compare BenchmarkTraceEncodeChanges).
func BenchmarkTraceEncodeBatch(b *testing.B) {
	_, changes, _ := tracedReplica(b)
	var n int
	for b.Loop() {
		n = len(EncodeChanges(changes))
	}
	b.ReportMetric(float64(n), "bytes")
}
