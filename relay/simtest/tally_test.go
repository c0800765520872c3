package simtest

import (
	"fmt"
	"slices"
	"strings"
	gosync "sync"
)

// tally counts what the schedules did (faults injected, errors the
// sessions reported, commits), so that a passing run shows that its
// faults happened. TestSim logs it.
var tally = struct {
	mu gosync.Mutex
	n  map[string]int64
}{n: map[string]int64{}}

func count(what string) {
	tally.mu.Lock()
	tally.n[what]++
	tally.mu.Unlock()
}

// tallyString renders the counts sorted by name.
func tallyString() string {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	keys := make([]string, 0, len(tally.n))
	for k := range tally.n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %d, ", k, tally.n[k])
	}
	return strings.TrimSuffix(b.String(), ", ")
}
