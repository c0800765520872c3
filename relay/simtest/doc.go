// Package simtest holds the seeded fault simulation of sync (issue 14):
// several engine replicas sync through an in-process relay while a
// schedule drawn from one seed cuts, drops, duplicates, delays and
// reorders their traffic, partitions them, restarts the relay, expires
// their tokens and reloads them; the run ends by healing every fault and
// checking that all replicas, and a fresh one, read the same data and
// that no committed change was lost. The package has only tests; see
// docs/TESTING.md for how to run and replay schedules.
package simtest
