package simtest

import (
	"context"
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/query"
	hsync "github.com/hearthdb/hearth/sync"
)

var flagSettle = flag.Duration("sim.settle", 30*time.Second, "real time the healed replicas get to reach quiescence")

// collections are every collection the edits write.
var collections = []string{"own", "counters", "logs", "texts", "docs", "big"}

// finish heals every fault, waits for quiescence, and checks that every
// replica and a fresh one read the same, and that the model's committed
// writes are all there.
func finish(ctx context.Context, w *world, p *plan, reps []*replica) error {
	w.healed.Store(true)
	if w.current() == nil {
		if err := w.startRelay(); err != nil {
			return err
		}
	}
	for _, r := range reps {
		r.link.heal()
		r.sess.Notify()
	}
	if err := settle(ctx, w, reps); err != nil {
		return err
	}
	want, err := snapshot(ctx, reps[0])
	if err != nil {
		return err
	}
	for _, r := range reps[1:] {
		got, err := snapshot(ctx, r)
		if err != nil {
			return err
		}
		if d := diff(want, got); d != "" {
			return fmt.Errorf("r%d differs from r0: %s", r.i, d)
		}
	}
	if err := checkModel(want, reps); err != nil {
		return err
	}
	if err := checkFresh(ctx, w, p, reps, want); err != nil {
		return err
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.store.Check(space)
}

// settle waits until every replica is synced with nothing pending and
// holds what the relay holds.
func settle(ctx context.Context, w *world, reps []*replica) error {
	deadline := time.Now().Add(*flagSettle)
	for {
		lag := lagging(ctx, w, reps)
		if lag == "" {
			return nil
		}
		if fs := w.failures(); len(fs) > 0 {
			return fmt.Errorf("while settling: %s", strings.Join(fs, "; "))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wedged: no quiescence within %v: %s", *flagSettle, lag)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// lagging describes what keeps reps from quiescence ("" if nothing).
func lagging(ctx context.Context, w *world, reps []*replica) string {
	rv, err := w.relayVersion()
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, r := range reps {
		st := r.sess.Status()
		v := r.version(ctx)
		if st.State != hsync.Synced || st.Pending != 0 || !v.Equal(rv) {
			out = append(out, fmt.Sprintf("r%d %s pending %d err %v holds %s", r.i, st.State, st.Pending, st.LastError, vvString(v)))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprintf("relay holds %s; %s", vvString(rv), strings.Join(out, "; "))
}

// vvString renders a version vector with short actor ids, sorted.
func vvString(v crdt.VersionVector) string {
	var parts []string
	for _, a := range v.Actors() {
		parts = append(parts, fmt.Sprintf("%.6s:%d", a, v.Get(a)))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// snapshot reads every collection of r (Query sorts by id).
func snapshot(ctx context.Context, r *replica) (map[string][]map[string]any, error) {
	out := map[string][]map[string]any{}
	for _, c := range collections {
		docs, err := r.db.Query(ctx, query.Query{Collection: c})
		if err != nil {
			return nil, fmt.Errorf("r%d query %s: %w", r.i, c, err)
		}
		slices.SortFunc(docs, func(a, b map[string]any) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
		out[c] = docs
	}
	return out, nil
}

// diff names the first document where a and b differ ("" if none).
func diff(a, b map[string][]map[string]any) string {
	for _, c := range collections {
		if reflect.DeepEqual(a[c], b[c]) {
			continue
		}
		if len(a[c]) != len(b[c]) {
			return fmt.Sprintf("%s: %d vs %d documents: %s vs %s", c, len(a[c]), len(b[c]), ids(a[c]), ids(b[c]))
		}
		for i := range a[c] {
			if !reflect.DeepEqual(a[c][i], b[c][i]) {
				return fmt.Sprintf("%s/%v: %.300v vs %.300v", c, a[c][i]["id"], a[c][i], b[c][i])
			}
		}
	}
	return ""
}

func ids(docs []map[string]any) []any {
	var out []any
	for _, d := range docs {
		out = append(out, d["id"])
	}
	return out
}

// checkModel checks every write the model says was committed: each
// replica's last own/rI.n, its whole append-only log text, its last large
// document, and every counter's sum of increments.
func checkModel(snap map[string][]map[string]any, reps []*replica) error {
	doc := func(c, id string) map[string]any {
		for _, d := range snap[c] {
			if d["id"] == id {
				return d
			}
		}
		return nil
	}
	sums := map[string]int64{}
	for _, r := range reps {
		for id, d := range r.incrs {
			sums[id] += d
		}
	}
	for _, r := range reps {
		id := r.name()
		if got := doc("own", id); r.own > 0 && (got == nil || fmt.Sprint(got["n"]) != fmt.Sprint(r.own)) {
			return fmt.Errorf("lost a change: own/%s is %v, r%d committed n=%d last", id, got, r.i, r.own)
		}
		if got := doc("logs", id); got == nil || got["body"] != r.logTxt {
			return fmt.Errorf("lost a change: logs/%s is %.200v, r%d committed %q", id, got, r.i, r.logTxt)
		}
		if got := doc("big", id); r.big != "" && (got == nil || got["body"] != r.big) {
			return fmt.Errorf("lost a change: big/%s is not the %d bytes r%d committed last", id, len(r.big), r.i)
		}
		if got := doc("counters", id); got == nil || fmt.Sprint(got["n"]) != fmt.Sprint(sums[id]) {
			return fmt.Errorf("lost a change: counters/%s is %v, increments sum to %d", id, got, sums[id])
		}
	}
	return nil
}

// checkFresh opens a replica that never synced and checks that it comes
// to read exactly what the others read.
func checkFresh(ctx context.Context, w *world, p *plan, reps []*replica, want map[string][]map[string]any) error {
	f := newReplica(w, p, len(reps), p.seed%2 == 0)
	f.link.heal()
	if err := f.open(); err != nil {
		return err
	}
	defer f.close()
	if err := settle(ctx, w, []*replica{f}); err != nil {
		return fmt.Errorf("fresh replica: %w", err)
	}
	got, err := snapshot(ctx, f)
	if err != nil {
		return err
	}
	if d := diff(want, got); d != "" {
		return fmt.Errorf("a fresh replica differs from r0: %s", d)
	}
	return nil
}
