package simtest

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSim runs -sim.schedules fault schedules (two at a time), or only
// the one of -sim.seed. A failing schedule prints its seed and its
// replayable description.
func TestSim(t *testing.T) {
	opt := currentOptions()
	if *flagSeed != 0 {
		p := newPlan(*flagSeed, opt)
		t.Log(p)
		if err := runSchedule(t.TempDir(), p); err != nil {
			t.Fatalf("%v\n%v", err, p)
		}
		return
	}
	base := *flagBase
	if base == 0 {
		base = uint64(time.Now().UnixNano()) % 1e9 * 1000
	}
	n := *flagSchedules
	if testing.Short() {
		n = min(n, 8)
	}
	start := time.Now()
	var failed atomic.Int64
	t.Run("schedules", func(t *testing.T) {
		for i := range n {
			seed := base + uint64(i)
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				p := newPlan(seed, opt)
				if *flagVerbose {
					t.Log(p)
				}
				if err := runSchedule(t.TempDir(), p); err != nil {
					failed.Add(1)
					t.Fatalf("%v\n%v", err, p)
				}
			})
		}
	})
	t.Logf("what happened: %s", tallyString())
	t.Logf("%d schedules from seed %d (%s): %d failed, %s", n, base, opt.flags(), failed.Load(), time.Since(start).Round(time.Millisecond))
}

// runSchedule plays plan p against a fresh relay and replicas, heals
// every fault, and checks the outcome (check_test.go).
func runSchedule(dir string, p *plan) (err error) {
	w, err := newWorld(dir, p.batch)
	if err != nil {
		return err
	}
	defer w.close()
	reps := make([]*replica, p.opt.replicas)
	defer func() {
		for _, r := range reps {
			if r != nil {
				r.close()
			}
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	ctx := context.Background()
	for i := range reps {
		reps[i] = newReplica(w, p, i, p.ws[i])
		if err := reps[i].open(); err != nil {
			return err
		}
		if err := reps[i].setup(ctx); err != nil {
			return fmt.Errorf("r%d setup: %w", i, err)
		}
	}
	if err := play(ctx, w, p, reps); err != nil {
		return err
	}
	return finish(ctx, w, p, reps)
}

// play runs the events of p, one per step of the clock.
func play(ctx context.Context, w *world, p *plan, reps []*replica) error {
	healAt := make([]int, len(reps)) // step at which a partition ends
	for step, e := range p.events {
		w.clock.advance(1)
		for i, at := range healAt {
			if at == step {
				reps[i].link.setPartition(false)
			}
		}
		if err := apply(ctx, w, p, reps, e); err != nil {
			return fmt.Errorf("step %d (%v): %w", step, e, err)
		}
		if e.Kind == evPartition {
			healAt[e.R] = step + e.N
		}
		if fs := w.failures(); len(fs) > 0 {
			return fmt.Errorf("at step %d: %s", step, strings.Join(fs, "; "))
		}
		time.Sleep(300 * time.Microsecond) // let the sessions move
	}
	return nil
}

func apply(ctx context.Context, w *world, p *plan, reps []*replica, e event) error {
	r := reps[e.R]
	count("event " + kindNames[e.Kind])
	switch e.Kind {
	case evEdit:
		return r.edit(ctx, e, p.opt.large)
	case evCut:
		r.link.cutAll()
	case evPartition:
		r.link.setPartition(true)
	case evRestart, evBackup, evWipe, evRollback:
		return w.restart(e.Kind)
	case evExpire:
		w.clock.advance(e.N)
	case evReload:
		return r.reload()
	case evStale:
		r.link.deliverStale(e.Arg)
	case evPause:
		time.Sleep(time.Duration(e.N) * time.Millisecond)
	}
	return nil
}
