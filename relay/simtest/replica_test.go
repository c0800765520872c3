package simtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	gosync "sync"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	hsync "github.com/hearthdb/hearth/sync"
)

// pollWait is how long an HTTP replica long-polls (real time).
const pollWait = 20 * time.Millisecond

// replica is one engine database on MemoryStorage (Strict) with its sync
// session, and the model of what it committed.
type replica struct {
	i    int
	w    *world
	ws   bool
	link *link
	mem  *engine.MemoryStorage
	db   *engine.DB
	sess *hsync.Session
	skew time.Duration
	stop context.CancelFunc
	done chan struct{}

	tokMu  gosync.Mutex
	tokRnd *rand.Rand

	// The model: what this replica committed to the documents only it
	// writes, and the increments it made.
	own    int64            // own/rI.n
	logTxt string           // logs/rI.body
	big    string           // big/rI.body ("" if never written)
	incrs  map[string]int64 // counters/rJ.n: sum of this replica's increments
	commit int              // successful commits
}

func newReplica(w *world, p *plan, i int, ws bool) *replica {
	rnd := rand.New(rand.NewPCG(p.seed, uint64(1000+i)))
	return &replica{i: i, w: w, ws: ws, link: newLink(w, p.faults, p.seed, i), mem: engine.NewMemoryStorage(),
		skew: time.Duration(rnd.IntN(4000)-2000) * time.Millisecond, tokRnd: rnd, incrs: map[string]int64{}}
}

// open opens the database and starts its session.
func (r *replica) open() error {
	clk := func() time.Time { return r.w.clock.Now().Add(r.skew) }
	db, err := engine.Open(context.Background(), r.mem, engine.Options{Clock: clk, Strict: true})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	sess, err := hsync.NewSession(hsync.Config{Space: space, Token: r.token, After: fastAfter}, db.SyncStore(ctx, space))
	if err != nil {
		cancel()
		db.Close()
		return err
	}
	r.db, r.sess, r.stop, r.done = db, sess, cancel, make(chan struct{})
	sess.Subscribe(func(st hsync.Status) {
		if c := hsync.ErrorCode(st.LastError); c != "" {
			count(map[bool]string{true: "ws", false: "http"}[r.ws] + " session error " + c)
		}
	})
	go r.run(ctx)
	return nil
}

// fastAfter waits a thousandth of the backoff in real time: the
// simulation keeps the default backoff's growth and jitter without
// sleeping its seconds.
func fastAfter(d time.Duration) <-chan time.Time { return time.After(d / 1000) }

func (r *replica) run(ctx context.Context) {
	defer close(r.done)
	defer func() {
		if v := recover(); v != nil { // Strict mode's invariant checks panic
			r.w.fail("r%d: panic in its session: %v\n%s", r.i, v, debug.Stack())
		}
	}()
	var err error
	if r.ws {
		err = r.sess.Run(ctx, r.link.Dial)
	} else {
		err = r.sess.RunPoll(ctx, r.link, pollWait)
	}
	if ctx.Err() == nil {
		r.w.fail("r%d: sync stopped for good: %v", r.i, err)
	}
}

// token is the session's token provider: tokens that live 1 to 20
// seconds of the clock, or (at the schedule's Short rate) only to the
// next whole second; after healing, tokens that outlive the run.
func (r *replica) token() (string, error) {
	r.tokMu.Lock()
	life := int64(1 + r.tokRnd.IntN(20))
	short := r.tokRnd.IntN(100) < r.link.f.Short
	r.tokMu.Unlock()
	count("token minted")
	switch {
	case r.w.healed.Load():
		life = 1 << 30
	case short:
		count("token minted short")
		life = 0
	}
	return r.w.token(life)
}

// close stops the session and closes the database.
func (r *replica) close() {
	if r.stop == nil {
		return
	}
	r.stop()
	<-r.done
	r.db.Close()
	r.stop = nil
}

// reload closes the database and opens the same storage again, as a
// page reload does.
func (r *replica) reload() error {
	r.close()
	r.mem = r.mem.Reopen()
	return r.open()
}

// setup creates the documents only this replica writes.
func (r *replica) setup(ctx context.Context) error {
	counter := map[string]any{"$hearth": "counter", "value": int64(0)}
	text := map[string]any{"$hearth": "text", "value": ""}
	ops := []engine.Op{
		{Kind: engine.OpPut, Collection: "counters", ID: r.name(), Value: map[string]any{"id": r.name(), "n": counter}},
		{Kind: engine.OpPut, Collection: "logs", ID: r.name(), Value: map[string]any{"id": r.name(), "body": text}},
	}
	if r.i == 0 {
		ops = append(ops, engine.Op{Kind: engine.OpPut, Collection: "texts", ID: "shared",
			Value: map[string]any{"id": "shared", "body": map[string]any{"$hearth": "text", "value": "shared text"}}})
	}
	return r.commitOps(ctx, ops)
}

func (r *replica) name() string { return fmt.Sprintf("r%d", r.i) }

func (r *replica) commitOps(ctx context.Context, ops []engine.Op) error {
	err := r.db.Commit(ctx, ops)
	if err == nil {
		count("commit")
		r.commit++
		r.sess.Notify()
	}
	return err
}

// edit commits one edit; the model records it only once the commit
// returned (it is durable then).
func (r *replica) edit(ctx context.Context, e event, large int) error {
	rnd := rand.New(rand.NewPCG(e.Arg, uint64(e.Edit)))
	switch e.Edit {
	case edOwn:
		return r.bumpOwn(ctx, nil)
	case edTwo:
		op, id, d := r.incrOp(ctx, rnd)
		if err := r.bumpOwn(ctx, &op); err != nil {
			return err
		}
		r.incrs[id] += d
		return nil
	case edIncr:
		op, id, d := r.incrOp(ctx, rnd)
		if err := r.commitOps(ctx, []engine.Op{op}); err != nil {
			return err
		}
		r.incrs[id] += d
		return nil
	case edAppend:
		s := fmt.Sprintf("%d:%d;", r.i, r.commit)
		err := r.commitOps(ctx, []engine.Op{{Kind: engine.OpInsertText, Collection: "logs", ID: r.name(),
			Path: []string{"body"}, Index: len([]rune(r.logTxt)), Text: s}})
		if err == nil {
			r.logTxt += s
		}
		return err
	case edLarge:
		if e.N > 0 {
			large = e.N // huge
		}
		body := largeString(rnd, large)
		err := r.commitOps(ctx, []engine.Op{{Kind: engine.OpPut, Collection: "big", ID: r.name(),
			Value: map[string]any{"id": r.name(), "body": body}}})
		if err == nil {
			r.big = body
			count(fmt.Sprintf("commit of a %d-byte document", len(body)))
		}
		return err
	}
	return r.shared(ctx, e.Edit, rnd)
}

// bumpOwn increments own/rI.n by a put (with extra in the same
// transaction).
func (r *replica) bumpOwn(ctx context.Context, extra *engine.Op) error {
	ops := []engine.Op{{Kind: engine.OpPut, Collection: "own", ID: r.name(),
		Value: map[string]any{"id": r.name(), "n": r.own + 1, "by": r.i}}}
	if extra != nil {
		ops = append(ops, *extra)
	}
	if err := r.commitOps(ctx, ops); err != nil {
		return err
	}
	r.own++
	return nil
}

// incrOp increments a random replica's counter that this one holds
// (its own at least).
func (r *replica) incrOp(ctx context.Context, rnd *rand.Rand) (engine.Op, string, int64) {
	id := fmt.Sprintf("r%d", rnd.IntN(8))
	if _, ok, err := r.db.Get(ctx, "counters", id); err != nil || !ok {
		id = r.name()
	}
	d := int64(1 + rnd.IntN(5))
	return engine.Op{Kind: engine.OpIncrement, Collection: "counters", ID: id, Path: []string{"n"}, Delta: d}, id, d
}

// shared edits the documents every replica writes; only their equality
// is checked at the end.
func (r *replica) shared(ctx context.Context, ed edit, rnd *rand.Rand) error {
	id := fmt.Sprintf("d%d", rnd.IntN(5))
	var op engine.Op
	switch ed {
	case edPut:
		op = engine.Op{Kind: engine.OpPut, Collection: "docs", ID: id, Value: map[string]any{"id": id, "by": r.i,
			"title": fmt.Sprintf("t%d", rnd.IntN(100)), "tags": []any{"a", int64(rnd.IntN(9))},
			"nested": map[string]any{"a": int64(rnd.IntN(9))}}}
	case edUpdate:
		op = engine.Op{Kind: engine.OpUpdate, Collection: "docs", ID: id, Value: map[string]any{
			"title": fmt.Sprintf("u%d", rnd.IntN(100)), "nested": map[string]any{"b": int64(rnd.IntN(9))}}}
	case edDelete:
		op = engine.Op{Kind: engine.OpDelete, Collection: "docs", ID: id}
	case edInsert, edErase:
		return r.textEdit(ctx, ed, rnd)
	}
	err := r.commitOps(ctx, []engine.Op{op})
	if ed == edUpdate && errors.Is(err, engine.ErrNotFound) {
		return nil // not created yet, or deleted, here
	}
	return err
}

// textEdit inserts into or deletes from the shared text, if this replica
// holds it yet.
func (r *replica) textEdit(ctx context.Context, ed edit, rnd *rand.Rand) error {
	doc, ok, err := r.db.Get(ctx, "texts", "shared")
	if err != nil || !ok {
		return err
	}
	s, _ := doc["body"].(string)
	n := len([]rune(s))
	op := engine.Op{Kind: engine.OpInsertText, Collection: "texts", ID: "shared", Path: []string{"body"},
		Index: rnd.IntN(n + 1), Text: fmt.Sprintf("<%d%c>", r.i, 'a'+rune(rnd.IntN(26)))}
	if ed == edErase {
		if n == 0 {
			return nil
		}
		op = engine.Op{Kind: engine.OpDeleteText, Collection: "texts", ID: "shared", Path: []string{"body"},
			Index: rnd.IntN(n), Count: 1 + rnd.IntN(4)}
		op.Count = min(op.Count, n-op.Index)
	}
	// Base: remote edits may reach the text between the read and the
	// commit; the engine moves the positions over them, as it does for
	// a page's edits.
	op.Base = &s
	return r.commitOps(ctx, []engine.Op{op})
}

// largeString returns n bytes of letters that compress poorly.
func largeString(rnd *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(rnd.IntN(26))
	}
	return string(b)
}

// version returns the replica's version vector.
func (r *replica) version(ctx context.Context) crdt.VersionVector {
	v, err := r.db.Version(ctx)
	if err != nil {
		return nil
	}
	return v
}
