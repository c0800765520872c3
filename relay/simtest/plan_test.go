package simtest

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Knobs. The defaults are the CI share; docs/TESTING.md lists them.
var (
	flagSchedules = flag.Int("sim.schedules", 120, "number of schedules TestSim runs")
	flagSeed      = flag.Uint64("sim.seed", 0, "run only the schedule of this seed (replay)")
	flagBase      = flag.Uint64("sim.base", 0, "seed of the first schedule; 0 picks one from the clock")
	flagReplicas  = flag.Int("sim.replicas", 5, "replicas per schedule")
	flagSteps     = flag.Int("sim.steps", 60, "events per schedule")
	flagLarge     = flag.Int("sim.large", 300<<10, "bytes of a large document's string")
	flagHuge      = flag.Int("sim.huge", 2<<20, "bytes of a huge document's string, over the frame limit (0: none)")
	flagBatch     = flag.Int("sim.batch", 0, "the relay's max_batch (changes per batch); 0 draws it per schedule")
	flagDataLoss  = flag.Bool("sim.dataloss", true, "relay data loss (wiped file) and rollbacks (an older copy of it)")
	flagVerbose   = flag.Bool("sim.v", false, "log every schedule's description")
)

// options are the knobs a schedule was drawn with; a replay needs the same.
type options struct {
	replicas, steps, large, huge, batch int
	dataLoss                            bool
}

func currentOptions() options {
	return options{replicas: max(*flagReplicas, 2), steps: *flagSteps, large: *flagLarge, huge: *flagHuge, batch: *flagBatch, dataLoss: *flagDataLoss}
}

// flags renders o as the command-line flags that reproduce it.
func (o options) flags() string {
	return fmt.Sprintf("-sim.replicas=%d -sim.steps=%d -sim.large=%d -sim.huge=%d -sim.batch=%d -sim.dataloss=%v",
		o.replicas, o.steps, o.large, o.huge, o.batch, o.dataLoss)
}

// kind is what an event does.
type kind int

const (
	evEdit      kind = iota // replica R commits edit Edit
	evCut                   // replica R's connection breaks (frames in flight are lost)
	evPartition             // replica R cannot reach the relay for N steps
	evRestart               // the relay stops and starts again over its file
	evBackup                // the relay stops, its file is copied aside, it starts again
	evWipe                  // the relay stops and starts with an empty store (data loss)
	evRollback              // the relay stops and starts from the last backup copy
	evExpire                // the clock jumps N seconds: every token in use expires
	evReload                // replica R closes its database and opens it again
	evStale                 // an HTTP request replica R sent earlier reaches the relay again
	evPause                 // the scheduler lets the network run for N ms
)

var kindNames = [...]string{"edit", "cut", "partition", "restart", "backup", "wipe", "rollback", "expire", "reload", "stale", "pause"}

// edit is the kind of a replica's edit.
type edit int

const (
	edOwn    edit = iota // bump own/rI.n (only replica I writes it)
	edPut                // put a shared document docs/dK
	edUpdate             // update a shared document
	edDelete             // delete a shared document
	edIncr               // increment some replica's counter counters/rJ.n
	edInsert             // insert into the shared text texts/shared.body
	edErase              // delete from the shared text
	edAppend             // append to own text logs/rI.body (only replica I writes it)
	edLarge              // put big/rI with a string of options.large bytes (event.N, if set)
	edTwo                // own and incr in one transaction
	numEdits
)

var editNames = [...]string{"own", "put", "update", "delete", "incr", "insert", "erase", "append", "large", "own+incr"}

// event is one step of a schedule. Arg seeds the event's own random
// choices (an edit's content), so that a replay repeats them.
type event struct {
	Kind kind
	R    int
	N    int
	Edit edit
	Arg  uint64
}

func (e event) String() string {
	switch e.Kind {
	case evEdit:
		if e.N > 0 {
			return fmt.Sprintf("r%d edit %s #%d of %d bytes", e.R, editNames[e.Edit], e.Arg, e.N)
		}
		return fmt.Sprintf("r%d edit %s #%d", e.R, editNames[e.Edit], e.Arg)
	case evCut:
		return fmt.Sprintf("r%d connection cut", e.R)
	case evPartition:
		return fmt.Sprintf("r%d partitioned for %d steps", e.R, e.N)
	case evRestart:
		return "relay restart"
	case evBackup:
		return "relay restart, file backed up"
	case evWipe:
		return "relay restart with its data wiped"
	case evRollback:
		return "relay restart from the last backup (rollback)"
	case evExpire:
		return fmt.Sprintf("clock +%ds: tokens expire", e.N)
	case evReload:
		return fmt.Sprintf("r%d reloads", e.R)
	case evStale:
		return fmt.Sprintf("r%d stale HTTP request delivered", e.R)
	default:
		return fmt.Sprintf("pause %dms", e.N)
	}
}

// faults are the per-frame (WebSocket) and per-request (HTTP) fault
// rates of a schedule, each a probability in percent.
type faults struct {
	Cut   int // WebSocket: a frame is lost and the connection breaks
	Delay int // WebSocket: a frame waits up to 2 ms (order kept)
	Again int // WebSocket: a frame from the relay arrives twice (a relay that replays)
	Lose  int // HTTP: the request is lost before the relay
	Drop  int // HTTP: the response is lost after the relay answered
	Dup   int // HTTP: the request reaches the relay twice
	Stash int // HTTP: a copy of the request is kept to arrive again later (evStale)
	Short int // a fresh token expires within the second (WebSocket sessions end 50 ms later)
}

// plan is a whole schedule, drawn from its seed.
type plan struct {
	seed   uint64
	opt    options
	ws     []bool // replica i syncs over WebSocket (else the HTTP binding)
	batch  int    // the relay's max_batch (0: its default)
	faults faults
	events []event
}

// newPlan draws the schedule of seed.
func newPlan(seed uint64, opt options) *plan {
	rnd := rand.New(rand.NewPCG(seed, 0x5eed))
	p := &plan{seed: seed, opt: opt, ws: make([]bool, opt.replicas), batch: opt.batch}
	if p.batch == 0 {
		// Small batches end before what their changes depend on (the
		// relay sends per actor, not in causal order).
		p.batch = []int{0, 0, 3, 8}[rnd.IntN(4)]
	}
	for i := range p.ws {
		p.ws[i] = i%2 == 0 // both transports in every schedule...
		if i >= 2 {
			p.ws[i] = rnd.IntN(2) == 0 // ...then at random
		}
	}
	level := func(lo, hi int) int { return []int{0, lo, hi}[rnd.IntN(3)] }
	p.faults = faults{Cut: level(2, 8), Delay: level(5, 20), Lose: level(3, 10), Drop: level(3, 10),
		Dup: level(3, 10), Stash: level(5, 15), Short: level(10, 30), Again: level(1, 4)}
	for range opt.steps {
		p.events = append(p.events, p.draw(rnd))
	}
	return p
}

// draw picks one event: mostly edits, then faults.
func (p *plan) draw(rnd *rand.Rand) event {
	e := event{R: rnd.IntN(p.opt.replicas), Arg: rnd.Uint64() % 1e6}
	switch n := rnd.IntN(100); {
	case n < 55:
		e.Kind, e.Edit = evEdit, edit(rnd.IntN(int(numEdits)))
		if e.Edit == edLarge && rnd.IntN(3) > 0 { // large documents are rarer
			e.Edit = edOwn
		}
		if e.Edit == edLarge && p.opt.huge > 0 && rnd.IntN(4) == 0 {
			e.N = p.opt.huge
		}
	case n < 62:
		e.Kind = evCut
	case n < 67:
		e.Kind, e.N = evPartition, 2+rnd.IntN(10)
	case n < 70:
		e.Kind = evRestart
		if rnd.IntN(2) == 0 {
			e.Kind = evBackup
		}
	case n < 73 && p.opt.dataLoss:
		e.Kind = evWipe
		if rnd.IntN(2) == 0 {
			e.Kind = evRollback
		}
	case n < 76:
		e.Kind, e.N = evExpire, 5+rnd.IntN(30)
	case n < 80:
		e.Kind = evReload
	case n < 86:
		e.Kind = evStale
	default:
		e.Kind, e.N = evPause, 1+rnd.IntN(4)
	}
	return e
}

// String is the replayable description printed when a schedule fails.
func (p *plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d (replay: go test ./relay/simtest -run 'TestSim$' -sim.seed=%d %s)\n", p.seed, p.seed, p.opt.flags())
	for i, ws := range p.ws {
		fmt.Fprintf(&b, "r%d over %s; ", i, map[bool]string{true: "WebSocket", false: "HTTP"}[ws])
	}
	fmt.Fprintf(&b, "\nrelay max_batch %d (0: default); faults (%%): %+v\n", p.batch, p.faults)
	for i, e := range p.events {
		fmt.Fprintf(&b, "%3d %v\n", i, e)
	}
	return b.String()
}
