//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/idb"
)

// BootHook is the global function the npm package defines before starting
// the module; Boot calls it with the API object.
const BootHook = "__hearthBoot"

// registry maps the integer handles JS holds to open databases, so that the
// exported functions are made once for the module's life and never need
// releasing.
type registry struct {
	mu   sync.Mutex
	next int
	dbs  map[int]*engine.DB
}

func (r *registry) add(db *engine.DB) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	r.dbs[r.next] = db
	return r.next
}

func (r *registry) get(args []safejs.Value) (*engine.DB, error) {
	h, err := intArg(args, 0, "database handle")
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	db, ok := r.dbs[h]
	if !ok {
		return nil, fmt.Errorf("database handle %d is closed or unknown: %w", h, engine.ErrClosed)
	}
	return db, nil
}

func (r *registry) remove(h int) *engine.DB {
	r.mu.Lock()
	defer r.mu.Unlock()
	db := r.dbs[h]
	delete(r.dbs, h)
	return db
}

// methods returns the exported API, by JS name.
func (r *registry) methods() map[string]asyncFunc {
	return map[string]asyncFunc{
		"open":   r.open,
		"put":    r.put,
		"get":    r.getDoc,
		"delete": r.deleteDoc,
		"all":    r.all,
		"close":  r.close,
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
	return float64(r.add(engine.Open(storage))), nil
}

func (r *registry) put(ctx context.Context, args []safejs.Value) (any, error) {
	db, coll, err := r.collectionArgs(args)
	if err != nil {
		return nil, err
	}
	doc, err := docArg(args, 2)
	if err != nil {
		return nil, err
	}
	return nil, db.Put(ctx, coll, doc)
}

func (r *registry) getDoc(ctx context.Context, args []safejs.Value) (any, error) {
	db, coll, id, err := r.docArgs(args)
	if err != nil {
		return nil, err
	}
	doc, ok, err := db.Get(ctx, coll, id)
	if err != nil || !ok {
		return undefined{}, err
	}
	return doc, nil
}

func (r *registry) deleteDoc(ctx context.Context, args []safejs.Value) (any, error) {
	db, coll, id, err := r.docArgs(args)
	if err != nil {
		return nil, err
	}
	return nil, db.Delete(ctx, coll, id)
}

func (r *registry) all(ctx context.Context, args []safejs.Value) (any, error) {
	db, coll, err := r.collectionArgs(args)
	if err != nil {
		return nil, err
	}
	docs, err := db.All(ctx, coll)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = d
	}
	return out, nil
}

func (r *registry) close(_ context.Context, args []safejs.Value) (any, error) {
	h, err := intArg(args, 0, "database handle")
	if err != nil {
		return nil, err
	}
	if db := r.remove(h); db != nil {
		return nil, db.Close()
	}
	return nil, nil
}

func (r *registry) collectionArgs(args []safejs.Value) (*engine.DB, string, error) {
	db, err := r.get(args)
	if err != nil {
		return nil, "", err
	}
	coll, err := stringArg(args, 1, "collection name")
	return db, coll, err
}

func (r *registry) docArgs(args []safejs.Value) (*engine.DB, string, string, error) {
	db, coll, err := r.collectionArgs(args)
	if err != nil {
		return nil, "", "", err
	}
	id, err := stringArg(args, 2, "document id")
	return db, coll, id, err
}

// Boot builds the API object and hands it to the global BootHook function.
// The exported functions live as long as the module, so they are never
// released.
func Boot() error {
	api, err := jsObject.New()
	if err != nil {
		return err
	}
	r := &registry{dbs: make(map[int]*engine.DB)}
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
