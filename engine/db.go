package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hearthdb/hearth/crdt"
)

// Options configures a DB. The zero value is a single-process database on
// the wall clock.
type Options struct {
	// Clock feeds the hybrid logical clock; nil means time.Now.
	Clock func() time.Time
	// Coordinator shares the storage with other processes (browser tabs);
	// nil means this process is alone.
	Coordinator Coordinator
	// Strict checks the CRDT's invariants after every change, and panics
	// when a commit's predicted outcome (predict.go) was wrong (for tests).
	Strict bool
}

// Coordinator lets several processes (tabs) share one Storage safely.
type Coordinator interface {
	// Exclusive runs fn while holding a lock that every process sharing
	// the storage respects. continuous tells fn that this process has held
	// the lock without a break since its previous Exclusive call, so no
	// other process can have committed in between.
	Exclusive(ctx context.Context, fn func(continuous bool) error) error
	// Publish hands msg to every other process sharing the storage, which
	// passes it to its DB's Receive.
	Publish(msg []byte)
}

// DB is one Hearth database: named collections of documents kept as CRDTs
// over a Storage, with queries and subscriptions over their values. It is
// safe for concurrent use.
type DB struct {
	mu      sync.Mutex
	storage Storage
	opts    Options
	actor   crdt.ActorID
	closed  bool

	// CRDT state: a cache of the storage, valid while no other process
	// has committed (commits equals the stored counter).
	replica *crdt.Replica
	loaded  map[docKey]*loadedDoc // documents whose CRDT state is in replica, and what is stored of them
	rosters map[string]*roster    // the documents stored, by collection, once read (roster.go)
	// metaDirty: remote changes moved the replica's metadata since it was
	// last stored; local changes alone need not store it (catchUp).
	metaDirty bool
	tails     map[string]uint64 // metaTails as stored: documents with a tail (tail.go)
	commits   uint64
	pending   []*crdt.Change      // remote changes waiting for their causal past
	acked     crdt.VersionVector  // metaAcked as last read or written (syncstore.go)
	unacked   int                 // changes in replica that acked does not cover: Pending()
	indexes   map[string][]string // persisted indexes' fields, by collection (read with the replica)

	checkpointing   bool        // a background Checkpoint is running (checkpoint.go)
	checkpointDue   bool        // a document is due, waiting for a pause
	checkpointTimer *time.Timer // runs it after the pause
	packing         bool        // background PackLog passes are running (logpack.go)
	logWritten      int         // log records written since the last packing began
	tailsDirty      bool        // db.tails changed since it was last written
	unwritten       []docKey    // documents with parts waiting for a tail entry (tail.go)
	logRuns         []logRun    // changes waiting for their log record (log.go)

	queue    []*queued  // commits applied in memory, waiting to be stored (group.go)
	flushing bool       // a caller holding the Coordinator's lock is storing the queue
	batchNow *time.Time // the time a call of CommitEach read, for each of its commits
	idle     *sync.Cond // on mu: broadcast when flushing ends

	view *viewState

	joining bool // Open found a snapshot join left midway (snapshot.go)
}

type docKey struct{ collection, id string }

// Open opens the database kept in storage, creating its replica identity on
// first use. The DB owns storage from then on and closes it in Close.
func Open(ctx context.Context, storage Storage, opts Options) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Coordinator == nil {
		opts.Coordinator = alone{}
	}
	db := &DB{storage: &counted{Storage: storage}, opts: opts, view: newViewState()}
	db.idle = sync.NewCond(&db.mu)
	if err := db.openStored(ctx); err != nil {
		storage.Close()
		return nil, err
	}
	if err := db.resumeJoin(ctx); err != nil { // snapshot.go: a page closed mid-join
		storage.Close()
		return nil, err
	}
	return db, nil
}

// openStored reads the replica's identity, commit counter and metadata in
// one storage read. It needs no Coordinator lock, as one read sees one
// committed state (and the first commit looks again, under the lock); only
// a first open, which creates the identity, takes it.
func (db *DB) openStored(ctx context.Context) error {
	indexes := db.readIndexes(ctx)
	meta, err := db.storage.GetMany(ctx, StoreMeta, []string{metaActor, metaCommit, metaReplica, metaTails, metaAcked, metaLayout, metaJoin})
	if err != nil {
		return err
	}
	db.joining = meta[6] != nil
	if meta[0] == nil {
		return db.opts.Coordinator.Exclusive(ctx, func(bool) error {
			actor, err := db.loadActor(ctx)
			if err != nil {
				return err
			}
			db.actor = actor
			return db.refresh(ctx, false)
		})
	}
	db.actor = crdt.ActorID(meta[0])
	if err := db.checkLayout(ctx, meta[5]); err != nil {
		return err
	}
	stored, err := decodeCommits(meta[1])
	if err != nil {
		return err
	}
	return db.reload(ctx, stored, meta[2], meta[3], meta[4], indexes)
}

// Actor returns the id of this database's replica.
func (db *DB) Actor() crdt.ActorID { return db.actor }

func (db *DB) loadActor(ctx context.Context) (crdt.ActorID, error) {
	b, err := db.storage.Get(ctx, StoreMeta, metaActor)
	if err == nil {
		return crdt.ActorID(b), nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	// 128 random bits name the replica. math/rand/v2's global source is
	// seeded from the platform's entropy (crypto.getRandomValues in the
	// browser); crypto/rand would add ~100 KB of FIPS DRBG to the .wasm.
	actor := fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
	if err := db.storage.Commit(ctx, []Write{
		{Store: StoreMeta, Key: metaActor, Value: []byte(actor)},
		{Store: StoreMeta, Key: metaLayout, Value: layoutRecords},
	}); err != nil {
		return "", err
	}
	return crdt.ActorID(actor), nil
}

// refresh makes the CRDT cache current: if another process committed since
// we last looked, it drops the cached documents and reloads the replica's
// clock and version vector, and the declared indexes. Call it holding the
// Coordinator's lock; when the lock was held continuously since the last
// look, nobody else can have committed and the storage need not be asked.
func (db *DB) refresh(ctx context.Context, continuous bool) error {
	if continuous && db.replica != nil {
		return nil
	}
	stored, err := db.storedCommits(ctx)
	if err != nil {
		return err
	}
	if db.replica != nil && stored == db.commits {
		return nil
	}
	indexes := db.readIndexes(ctx)
	meta, err := db.storage.GetMany(ctx, StoreMeta, []string{metaReplica, metaTails, metaAcked})
	if err != nil {
		return fmt.Errorf("load replica: %w", err)
	}
	return db.reload(ctx, stored, meta[0], meta[1], meta[2], indexes)
}

// reload replaces the CRDT cache with the replica of the stored metadata
// (nil when there is none yet) caught up with the log, the stored list of tails and acknowledged
// vector at commit counter stored, and the declared indexes with what the
// read started by readIndexes returns.
func (db *DB) reload(ctx context.Context, stored uint64, meta, tails, acked []byte, readIndexes func() (map[string][]string, error)) error {
	var r *crdt.Replica
	var err error
	if meta == nil {
		r, err = crdt.NewReplica(db.actor, db.replicaOptions()...)
	} else {
		r, err = crdt.LoadSnapshot(db.actor, meta, db.replicaOptions()...)
	}
	if err == nil {
		err = db.catchUp(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("load replica: %w", err)
	}
	indexes, err := readIndexes()
	if err != nil {
		return err
	}
	t, err := decodeTails(tails)
	if err != nil {
		return err
	}
	a, err := decodeAcked(acked)
	if err != nil {
		return err
	}
	db.acked, db.unacked = a, countUnacked(r.Version(), a)
	db.replica, db.loaded, db.tails, db.tailsDirty, db.unwritten, db.logRuns = r, map[docKey]*loadedDoc{}, t, false, nil, nil
	db.rosters, db.metaDirty = map[string]*roster{}, false
	db.commits, db.pending, db.indexes = stored, nil, indexes
	return nil
}

// replicaOptions configure the CRDT cache. It keeps no change log: the
// storage's log is what sync reads, and an in-memory copy would grow with
// every commit for as long as the tab stays open.
func (db *DB) replicaOptions() []crdt.Option {
	return []crdt.Option{crdt.WithClock(db.now), crdt.WithStrict(db.opts.Strict), crdt.WithoutChangeLog()}
}

// now reads the clock for the replica's hybrid logical clock, once per
// call of CommitEach: in the browser a reading is two calls into JS, and a
// burst of keystrokes needs no more than one (the clock's logical counter
// orders them). Call it holding db.mu.
func (db *DB) now() time.Time {
	if db.batchNow != nil {
		return *db.batchNow
	}
	return db.opts.Clock()
}

func (db *DB) storedCommits(ctx context.Context) (uint64, error) {
	b, err := db.storage.Get(ctx, StoreMeta, metaCommit)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return decodeCommits(b)
}

// decodeCommits decodes the stored commit counter; nil (none yet) is 0.
func decodeCommits(b []byte) (uint64, error) {
	if b == nil {
		return 0, nil
	}
	return decodeUint(b)
}

// loadState brings the CRDT state of the given documents into the replica:
// those not yet loaded, their checkpoint records in one storage read (none
// for a document its collection's roster says is absent), then the tails
// of those that have one (tail.go).
func (db *DB) loadState(ctx context.Context, keys []docKey) error {
	var missing []docKey
	var storeKeys []string
	for _, k := range keys {
		if db.loaded[k] != nil {
			continue
		}
		if db.knownAbsent(ctx, k) { // roster.go
			db.loaded[k] = &loadedDoc{}
			continue
		}
		db.loaded[k] = &loadedDoc{} // also dedups keys
		missing = append(missing, k)
		storeKeys = append(storeKeys, DocKey(k.collection, k.id))
	}
	if len(missing) == 0 {
		return nil
	}
	records, err := db.storage.GetMany(ctx, StoreDocs, storeKeys)
	failed := 0 // documents before it are loaded
	if err == nil {
		for ; failed < len(missing); failed++ {
			if err = db.loadDoc(ctx, missing[failed], records[failed]); err != nil {
				break
			}
		}
	}
	for _, k := range missing[failed:] { // not loaded (LoadDoc of a later try replaces what is half there)
		delete(db.loaded, k)
	}
	return err
}

// loadDoc loads one document from its checkpoint record (nil: none) and
// its tail. It holds the lock, so the tail cannot move while it is read.
func (db *DB) loadDoc(ctx context.Context, k docKey, record []byte) error {
	_, state, err := splitDocRecord(record)
	if err != nil {
		return fmt.Errorf("load %s/%s: %w", k.collection, k.id, err)
	}
	if state != nil {
		if err := db.replica.LoadDoc(state); err != nil {
			return fmt.Errorf("load %s/%s: %w", k.collection, k.id, err)
		}
	}
	t := db.loaded[k]
	t.checkpoint = len(record)
	first, ok := db.tails[DocKey(k.collection, k.id)]
	if !ok {
		return nil
	}
	parts, tail, err := db.readTail(ctx, k, first)
	if errors.Is(err, errTailMoved) {
		err = fmt.Errorf("%s/%s: the stored tail does not match its list: %w", k.collection, k.id, ErrStorage)
	}
	if err != nil {
		return err
	}
	t.entries, t.bytes = tail.entries, tail.bytes
	if err := db.replica.Replay(parts...); err != nil {
		return fmt.Errorf("load %s/%s: %w", k.collection, k.id, errors.Join(ErrStorage, err))
	}
	return nil
}

// locked runs fn holding the process lock and the Coordinator's lock, with
// the CRDT cache made current and no commit waiting to be stored.
func (db *DB) locked(ctx context.Context, fn func() error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for db.flushing {
		db.idle.Wait()
	}
	if db.closed {
		return ErrClosed
	}
	return db.opts.Coordinator.Exclusive(ctx, func(continuous bool) error {
		if err := db.refresh(ctx, continuous); err != nil {
			return err
		}
		return fn()
	})
}

// Close closes the database and its storage. Closing twice is not an error.
func (db *DB) Close() error {
	db.mu.Lock()
	due := db.checkpointDue && !db.closed
	db.mu.Unlock()
	if due { // what a pause would have done: the next open loads less
		_ = db.Checkpoint(context.Background())
	}
	db.mu.Lock()
	if db.checkpointTimer != nil {
		db.checkpointTimer.Stop()
	}
	defer db.mu.Unlock()
	for db.flushing { // the commits being stored finish first
		db.idle.Wait()
	}
	if db.closed {
		return nil
	}
	db.closed = true
	db.view.close()
	return db.storage.Close()
}

// alone is the Coordinator of a database no other process shares.
type alone struct{}

func (alone) Exclusive(_ context.Context, fn func(bool) error) error { return fn(true) }
func (alone) Publish([]byte)                                         {}
