//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/idb"
	"github.com/hearthdb/hearth/internal/jsonops"
	"github.com/hearthdb/hearth/query"
)

// BootHook is the global function the npm package defines before starting
// the module; Boot calls it with the API object.
const BootHook = "__hearthBoot"

// database is one open database, its sync session and its subscriptions,
// by id.
type database struct {
	db   *engine.DB
	tabs *tabs
	sync *syncer
	subs map[int]func()
}

// registry maps the integer handles JS holds to open databases and
// subscriptions, so that the exported functions are made once for the
// module's life and never need releasing.
type registry struct {
	mu   sync.Mutex
	next int
	dbs  map[int]*database
}

func (r *registry) id() int {
	r.next++
	return r.next
}

func (r *registry) get(args []safejs.Value) (*database, error) {
	h, err := intArg(args, 0, "database handle")
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.dbs[h]
	if !ok {
		return nil, fmt.Errorf("database handle %d is closed or unknown: %w", h, engine.ErrClosed)
	}
	return d, nil
}

// methods returns the exported API, by JS name.
func (r *registry) methods() map[string]asyncFunc {
	return map[string]asyncFunc{
		"open":           r.open,
		"commitBatch":    r.commitBatch,
		"get":            r.getDoc,
		"query":          r.query,
		"subscribe":      r.subscribe,
		"subscribeDoc":   r.subscribeDoc,
		"unsubscribe":    r.unsubscribe,
		"createIndex":    r.createIndex,
		"storageStats":   r.storageStats,
		"close":          r.close,
		"syncConnect":    r.syncConnect,
		"syncDisconnect": r.syncDisconnect,
		"syncSubscribe":  r.syncSubscribe,
	}
}

func (r *registry) open(ctx context.Context, args []safejs.Value) (any, error) {
	name, err := stringArg(args, 0, "database name")
	if err != nil {
		return nil, err
	}
	storage, err := idb.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &database{subs: map[int]func(){}}
	if d.tabs, err = newTabs(name); err != nil {
		storage.Close()
		return nil, err
	}
	if d.db, err = engine.Open(ctx, storage, engine.Options{Coordinator: d.tabs}); err != nil {
		d.tabs.close()
		return nil, err
	}
	d.sync = newSyncer(d.db.Pending)
	d.tabs.deliverTo(func(msg []byte) {
		if err := d.db.Receive(msg); err != nil {
			// Another tab's notice this tab cannot read (from another
			// version of the app, say): this tab's subscriptions miss its
			// documents until they change again.
			consoleError("hearthdb: a commit notice from another tab was refused:", err.Error())
		}
		d.sync.notify() // another tab's commit may have local changes to push
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.id()
	r.dbs[h] = d
	return float64(h), nil
}

// commitBatch runs transactions given as JSON texts, each the operations
// of one transaction (see internal/jsonops), one per line (the text
// web/src/ops.js writes holds no newline: JSON.stringify escapes it), as
// that many commits in a row sharing the lock and IndexedDB transactions
// (engine.CommitEach), and resolves to an array with, for each, null or
// the { name, message } of its error. web/src/batch.js gathers them, and
// they cross as one string: one call across the boundary, not one a
// transaction.
func (r *registry) commitBatch(ctx context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	lines, err := stringArg(args, 1, "transactions (JSON texts, one per line)")
	if err != nil {
		return nil, err
	}
	texts := strings.Split(lines, "\n")
	txs := make([][]engine.Op, len(texts))
	bad := make([]error, len(texts))
	var dec jsonops.Decoder // the texts share their short strings
	for i, text := range texts {
		txs[i], bad[i] = dec.Ops(text)
	}
	errs := d.db.CommitEach(ctx, txs)
	go d.sync.notify() // after the caller's Promise settles: it waits for nothing of it
	out := make([]any, len(errs))
	for i, err := range errs {
		if bad[i] != nil {
			err = bad[i] // its empty transaction did nothing
		}
		if err != nil {
			out[i] = map[string]any{"name": string(engine.CodeOf(err)), "message": err.Error()}
		}
	}
	return out, nil
}

func (r *registry) getDoc(ctx context.Context, args []safejs.Value) (any, error) {
	d, coll, id, err := r.docArgs(args)
	if err != nil {
		return nil, err
	}
	doc, ok, err := d.db.Get(ctx, coll, id)
	if err != nil || !ok {
		return undefined{}, err
	}
	return doc, nil
}

func (r *registry) query(ctx context.Context, args []safejs.Value) (any, error) {
	d, q, err := r.queryArgs(args)
	if err != nil {
		return nil, err
	}
	res, err := d.db.QueryResult(ctx, q) // written as JSON before it returns: no copies
	return resultRows(res), err
}

// subscribe registers a live query whose results go to the JS callback in
// args[2]; it resolves to the subscription's id.
func (r *registry) subscribe(ctx context.Context, args []safejs.Value) (any, error) {
	d, q, err := r.queryArgs(args)
	if err != nil {
		return nil, err
	}
	cb, err := funcArg(args, 2)
	if err != nil {
		return nil, err
	}
	// The rows are written as JSON during the call, so the view's own
	// rows do (no copies); rows unchanged since the last call reuse their
	// text.
	cache := &rowCache{}
	cancel, err := d.db.SubscribeResult(ctx, q, func(res query.Result) { call(cb, cachedRows{res, cache}) })
	if err != nil {
		return nil, err
	}
	return r.addSub(d, cancel), nil
}

func (r *registry) subscribeDoc(ctx context.Context, args []safejs.Value) (any, error) {
	d, coll, id, err := r.docArgs(args)
	if err != nil {
		return nil, err
	}
	cb, err := funcArg(args, 3)
	if err != nil {
		return nil, err
	}
	cancel, err := d.db.SubscribeDoc(ctx, coll, id, func(doc map[string]any, ok bool) {
		if ok {
			call(cb, doc)
		} else {
			call(cb, undefined{})
		}
	})
	if err != nil {
		return nil, err
	}
	return r.addSub(d, cancel), nil
}

func (r *registry) addSub(d *database, cancel func()) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.id()
	d.subs[id] = cancel
	return float64(id)
}

func (r *registry) unsubscribe(_ context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	id, err := intArg(args, 1, "subscription id")
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	cancel := d.subs[id]
	delete(d.subs, id)
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil, nil
}

func (r *registry) createIndex(ctx context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	coll, err := stringArg(args, 1, "collection name")
	if err != nil {
		return nil, err
	}
	field, err := stringArg(args, 2, "field path")
	if err != nil {
		return nil, err
	}
	return nil, d.db.CreateIndex(ctx, coll, field)
}

// storageStats resolves to what the database wrote to IndexedDB since it
// was opened: { commits, writes, bytes }.
func (r *registry) storageStats(_ context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	s := d.db.StorageStats()
	return map[string]any{"commits": s.Commits, "writes": s.Writes, "bytes": s.Bytes}, nil
}

func (r *registry) close(_ context.Context, args []safejs.Value) (any, error) {
	h, err := intArg(args, 0, "database handle")
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	d := r.dbs[h]
	delete(r.dbs, h)
	r.mu.Unlock()
	if d == nil {
		return nil, nil
	}
	d.sync.disconnect()
	d.tabs.close()
	return nil, d.db.Close()
}

func (r *registry) queryArgs(args []safejs.Value) (*database, query.Query, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, query.Query{}, err
	}
	if len(args) < 2 {
		return nil, query.Query{}, invalid("query is missing")
	}
	v, err := toGo(args[1])
	if err != nil {
		return nil, query.Query{}, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, query.Query{}, invalid("query must be an object, got %s", describe(args[1]))
	}
	q, err := query.FromMap(m)
	return d, q, err
}

func (r *registry) docArgs(args []safejs.Value) (*database, string, string, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, "", "", err
	}
	coll, err := stringArg(args, 1, "collection name")
	if err != nil {
		return nil, "", "", err
	}
	id, err := stringArg(args, 2, "document id")
	return d, coll, id, err
}

// call invokes a subscriber's callback. A callback that throws is the app's
// bug: it is reported on the console and the subscription goes on.
func call(cb safejs.Value, v any) {
	arg, err := wire(v)
	if err != nil {
		consoleError("hearthdb: a result could not be sent to its subscriber:", err.Error())
		return
	}
	if _, err := cb.Invoke(arg); err != nil {
		consoleError("hearthdb: a subscriber threw:", err.Error())
	}
}

// consoleError reports what no caller waits to hear on the console.
func consoleError(args ...any) {
	if console := lookup("console"); !console.IsUndefined() {
		_, _ = console.Call("error", args...)
	}
}

// Boot builds the API object and hands it to the global BootHook function.
// The exported functions live as long as the module, so they are never
// released.
func Boot() error {
	api, err := jsObject.New()
	if err != nil {
		return err
	}
	r := &registry{dbs: make(map[int]*database)}
	for name, fn := range r.methods() {
		f, err := exported(fn)
		if err != nil {
			return err
		}
		if err := api.Set(name, f.Value()); err != nil {
			return err
		}
	}
	hook, err := safejs.Global().Get(BootHook)
	if err != nil {
		return err
	}
	if t, _ := typeOf(hook); t != safejs.TypeFunction {
		return fmt.Errorf("hearth: globalThis.%s is not a function; load the module through the hearthdb package", BootHook)
	}
	_, err = hook.Invoke(api)
	return err
}
