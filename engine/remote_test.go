package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/engine"
	hsync "github.com/hearthdb/hearth/sync"
)

// Three replicas on separate storages edit offline, then exchange their
// changes shuffled and duplicated; all converge, also after a reopen.
func TestRemoteChangesConverge(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	mems := []*engine.MemoryStorage{engine.NewMemoryStorage(), engine.NewMemoryStorage(), engine.NewMemoryStorage()}
	dbs := make([]*engine.DB, len(mems))
	for i, m := range mems {
		dbs[i] = openDB(t, m)
	}
	commit(t, dbs[0], put("c", map[string]any{"id": "t", "body": map[string]any{"$hearth": "text", "value": "shared"}}))
	shared, err := dbs[0].SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	first, err := crdt.DecodeChange(shared[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range dbs[1:] { // everyone has the text, then types into it concurrently
		if err := db.ApplyRemote(ctx, []*crdt.Change{first}); err != nil {
			t.Fatal(err)
		}
	}
	for i, db := range dbs {
		for j := range 30 {
			if body, ok := get(t, db, "c", "t")["body"].(string); ok && rng.IntN(3) == 0 { // typing into a shared text
				at := rng.IntN(len(body) + 1)
				op := engine.Op{Kind: engine.OpInsertText, Collection: "c", ID: "t", Path: []string{"body"}, Index: at, Text: fmt.Sprint(i, j), UTF16: true}
				if at < len(body) && rng.IntN(3) == 0 {
					op = engine.Op{Kind: engine.OpDeleteText, Collection: "c", ID: "t", Path: []string{"body"}, Index: at, Count: 1, UTF16: true}
				}
				commit(t, db, op)
				continue
			}
			id := fmt.Sprint(rng.IntN(5))
			if get(t, db, "c", id) == nil || rng.IntN(4) == 0 {
				commit(t, db, put("c", map[string]any{"id": id, "by": float64(i), "hits": map[string]any{"$hearth": "counter", "value": 0.0}}))
				continue
			}
			commit(t, db,
				engine.Op{Kind: engine.OpIncrement, Collection: "c", ID: id, Path: []string{"hits"}, Delta: 1},
				engine.Op{Kind: engine.OpUpdate, Collection: "c", ID: id, Value: map[string]any{"last": float64(j)}})
		}
	}
	var everything []*crdt.Change
	for _, db := range dbs {
		envs, err := db.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range envs {
			c, err := crdt.DecodeChange(e.Payload)
			if err != nil {
				t.Fatal(err)
			}
			everything = append(everything, c)
		}
	}
	for _, db := range dbs {
		batch := append(append([]*crdt.Change{}, everything...), everything[:len(everything)/3]...)
		rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		for len(batch) > 0 { // in random slices, so changes wait for their past
			n := 1 + rng.IntN(len(batch))
			if err := db.ApplyRemote(ctx, batch[:n]); err != nil {
				t.Fatal(err)
			}
			batch = batch[n:]
		}
	}
	want := all(t, dbs[0], "c")
	v0, _ := dbs[0].Version(ctx)
	for i, db := range dbs {
		v, _ := db.Version(ctx)
		if !v.Equal(v0) {
			t.Fatalf("replica %d version %v, replica 0 %v", i, v, v0)
		}
		if got := all(t, db, "c"); !reflect.DeepEqual(got, want) {
			t.Fatalf("replica %d holds %v\nreplica 0 holds %v", i, got, want)
		}
		db.Close()
		reopened := openDB(t, mems[i].Reopen())
		if got := all(t, reopened, "c"); !reflect.DeepEqual(got, want) {
			t.Fatalf("replica %d after reopen holds %v, want %v", i, got, want)
		}
	}
}

func TestMalformedRemoteChangeIsRefused(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	commit(t, db, put("c", map[string]any{"id": "keep"}))
	bad := &crdt.Change{Actor: "someone", Seq: 1, HLC: crdt.HLC{Wall: 1}, StartCtr: 1, Ops: []crdt.Op{{Kind: crdt.OpIncrement, Coll: "c", Doc: "keep", Obj: crdt.ID{Actor: "nobody", Ctr: 9}, Delta: 1}}}
	err := db.ApplyRemote(ctx, []*crdt.Change{bad})
	if engine.CodeOf(err) != engine.CodeInvalidChange {
		t.Fatalf("ApplyRemote(bad) = %v, want an InvalidChangeError", err)
	}
	if got := all(t, db, "c"); !reflect.DeepEqual(got, []map[string]any{{"id": "keep"}}) {
		t.Fatalf("after a refused change: %v", got)
	}
	v, _ := db.Version(ctx)
	if v.Get("someone") != 0 {
		t.Fatalf("version counts the refused change: %v", v)
	}
}

// A change that cannot be applied stops ApplyRemote; the changes applied
// before it in the same call are stored, and a reopened database has them.
func TestChangesBeforeARefusedOneAreStored(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	other := openDB(t, engine.NewMemoryStorage())
	defer other.Close()
	commit(t, other, put("c", map[string]any{"id": "good"}))
	good, err := other.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 10)
	if err != nil || len(good) != 1 {
		t.Fatalf("ChangesSince = %d, %v", len(good), err)
	}
	first, err := crdt.DecodeChange(good[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	bad := &crdt.Change{Actor: other.Actor(), Seq: 2, Deps: crdt.VersionVector{other.Actor(): 1}, HLC: crdt.HLC{Wall: first.HLC.Wall + 1}, StartCtr: 1_000,
		Ops: []crdt.Op{{Kind: crdt.OpIncrement, Coll: "c", Doc: "good", Obj: crdt.ID{Actor: "nobody", Ctr: 9}, Delta: 1}}}
	if err := db.ApplyRemote(ctx, []*crdt.Change{first, bad}); engine.CodeOf(err) != engine.CodeInvalidChange {
		t.Fatalf("ApplyRemote = %v, want an InvalidChangeError", err)
	}
	db.Close()
	reopened := openDB(t, mem.Reopen())
	defer reopened.Close()
	if get(t, reopened, "c", "good") == nil {
		t.Fatal("the change applied before the refused one was not stored")
	}
	if v, _ := reopened.Version(ctx); v.Get(other.Actor()) != 1 {
		t.Fatalf("stored version %v, want %s at 1", v, other.Actor())
	}
}

// Several remote text edits of one document applied in one call: the
// document's value follows every one of them (the engine brings it up to
// date from their splices, checked against the replica in Strict mode).
func TestRemoteTextEditsInOneCall(t *testing.T) {
	a, b := openDB(t, engine.NewMemoryStorage()), openDB(t, engine.NewMemoryStorage())
	defer a.Close()
	defer b.Close()
	putNote(t, a, "n", "one two three")
	for i, ins := range []string{" alpha", " bravo", "!", " charlie"} {
		commit(t, a, engine.Op{Kind: engine.OpInsertText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 3 + i, Text: ins, UTF16: true})
	}
	commit(t, a, engine.Op{Kind: engine.OpDeleteText, Collection: "notes", ID: "n", Path: []string{"body"}, Index: 0, Count: 2, UTF16: true})
	changes := changesSince(t, a, crdt.VersionVector{})
	get(t, b, "notes", "n") // b has the note loaded (and its value cached) before
	if err := b.ApplyRemote(ctx, changes[:1]); err != nil {
		t.Fatal(err)
	}
	get(t, b, "notes", "n")
	if err := b.ApplyRemote(ctx, changes[1:]); err != nil {
		t.Fatal(err)
	}
	want := get(t, a, "notes", "n")["body"]
	if got := get(t, b, "notes", "n")["body"]; got != want {
		t.Fatalf("b reads %q, a %q", got, want)
	}
}

// A change that cannot be applied blocks nothing behind it but its own
// actor's next changes (they build on it): another actor's change after it
// in the same call is applied and stored, and the call reports the bad one.
func TestARefusedChangeBlocksOnlyWhatBuildsOnIt(t *testing.T) {
	mem := engine.NewMemoryStorage()
	db := openDB(t, mem)
	defer db.Close()
	other := openDB(t, engine.NewMemoryStorage())
	defer other.Close()
	commit(t, other, put("c", map[string]any{"id": "good"}))
	good := changesSince(t, other, crdt.VersionVector{})
	bad := &crdt.Change{Actor: "forger", Seq: 1, HLC: crdt.HLC{Wall: 1}, StartCtr: 1,
		Ops: []crdt.Op{{Kind: crdt.OpIncrement, Coll: "c", Doc: "x", Obj: crdt.ID{Actor: "nobody", Ctr: 9}, Delta: 1}}}
	next := &crdt.Change{Actor: "forger", Seq: 2, Deps: crdt.VersionVector{"forger": 1}, HLC: crdt.HLC{Wall: 2}, StartCtr: 2,
		Ops: []crdt.Op{{Kind: crdt.OpSet, Coll: "c", Doc: "y", Key: "id", Value: "y"}}}
	err := db.ApplyRemote(ctx, []*crdt.Change{bad, next, good[0]})
	if engine.CodeOf(err) != engine.CodeInvalidChange {
		t.Fatalf("ApplyRemote = %v, want an InvalidChangeError", err)
	}
	if get(t, db, "c", "good") == nil || get(t, db, "c", "y") != nil {
		t.Fatal("the good change behind the bad one was not applied, or the one built on the bad one was")
	}
	if v, _ := db.Version(ctx); v.Get("forger") != 0 || v.Get(other.Actor()) != 1 {
		t.Fatalf("version %v", v)
	}
}

// The same for an envelope that does not decode: sync applies the others.
func TestAnUndecodableChangeBlocksNothingElse(t *testing.T) {
	db := openDB(t, engine.NewMemoryStorage())
	defer db.Close()
	other := openDB(t, engine.NewMemoryStorage())
	defer other.Close()
	commit(t, other, put("c", map[string]any{"id": "good"}))
	good, err := other.SyncStore(ctx, "").ChangesSince(crdt.VersionVector{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	envs := append([]hsync.Envelope{{Actor: "forger", Seq: 1, Payload: []byte{0x93, 1}}}, good...)
	if err := db.SyncStore(ctx, "").ApplyRemote(envs); !errors.Is(err, hsync.ErrInvalidChange) {
		t.Fatalf("ApplyRemote = %v, want ErrInvalidChange", err)
	}
	if get(t, db, "c", "good") == nil {
		t.Fatal("the good change behind an undecodable one was not applied")
	}
}
