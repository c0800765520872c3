package crdt

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkTraceLocal applies the automerge-paper trace as local edits, one
// transaction per trace transaction.
func BenchmarkTraceLocal(b *testing.B) {
	tr := loadTrace(b, "automerge-paper.json.gz")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		r := mustReplica(b, "alice")
		replayTrace(b, r, tr)
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime returns the process's user+system CPU time, so that benchmarks
// can report CPU cost on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
