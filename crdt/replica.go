package crdt

import (
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"
)

// Replica is one copy of a whole database: collections of documents, the
// changes it has applied, and the changes it is waiting to apply. A Replica
// is not safe for concurrent use.
type Replica struct {
	actor   ActorID
	clock   hlcClock
	strict  bool
	version VersionVector
	nextCtr map[ActorID]uint64    // smallest counter each actor may use next
	log     map[ActorID]*actorLog // nil: changes are not kept (WithoutChangeLog)
	pending map[ActorID]map[uint64]*Change
	docs    map[docKey]*docState
	maxHLC  HLC    // greatest HLC of any applied change
	step    uint64 // counts transactions and remote changes, for undo
	tx      Tx     // the transaction in progress, reused
	inTx    bool
	undo    undoLog
	pb      patchBuilder
	// shape counts writes that may change what a path leads to or whether
	// a document exists; lastTarget is valid while it stays the same.
	shape      uint64
	lastTarget targetCache
	own        ownCounters
}

// actorLog holds one actor's changes with seqs first, first+1, ...
type actorLog struct {
	first   uint64
	changes []*Change
}

// Option configures a Replica.
type Option func(*Replica)

// WithClock replaces the wall clock (time.Now by default) that feeds the
// hybrid logical clock.
func WithClock(now func() time.Time) Option {
	return func(r *Replica) { r.clock.now = now }
}

// WithStrict makes the replica run Check after every applied change and
// transaction and fail the call if an invariant is broken (for tests).
func WithStrict(on bool) Option {
	return func(r *Replica) { r.strict = on }
}

// WithoutChangeLog makes the replica forget each change once applied, for
// a host that keeps its own durable log: ChangesSince then returns none.
// Without it a replica holds every change it applied for as long as it
// lives (a long editing session's worth).
func WithoutChangeLog() Option {
	return func(r *Replica) { r.log = nil }
}

// maxActorLen bounds actor ids.
const maxActorLen = 256

func checkActor(a ActorID) error {
	if a == "" || len(a) > maxActorLen || !utf8.ValidString(string(a)) {
		return fmt.Errorf("%w: actor id %q", ErrInvalidArgument, a)
	}
	return nil
}

// NewReplica returns an empty replica whose local changes are authored by
// actor.
func NewReplica(actor ActorID, opts ...Option) (*Replica, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	r := &Replica{
		actor:   actor,
		clock:   hlcClock{now: time.Now},
		version: VersionVector{},
		nextCtr: map[ActorID]uint64{},
		log:     map[ActorID]*actorLog{},
		pending: map[ActorID]map[uint64]*Change{},
		docs:    map[docKey]*docState{},
	}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// Actor returns the replica's actor id.
func (r *Replica) Actor() ActorID { return r.actor }

// Version returns a copy of the version vector of applied changes.
func (r *Replica) Version() VersionVector {
	r.syncOwn()
	return r.version.Clone()
}

// Pending returns the number of received changes waiting for their causal
// dependencies.
func (r *Replica) Pending() int {
	n := 0
	for _, m := range r.pending {
		n += len(m)
	}
	return n
}

// Get returns a document as plain Go values (see the package doc), or false
// if it does not exist.
func (r *Replica) Get(coll, id string) (map[string]any, bool) {
	d := r.docs[docKey{coll, id}]
	if d == nil || !d.exists() {
		return nil, false
	}
	return d.value(), true
}

// Collections returns the names of collections holding existing documents,
// sorted.
func (r *Replica) Collections() []string {
	seen := map[string]bool{}
	for k, d := range r.docs {
		if d.exists() {
			seen[k.coll] = true
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// IDs returns the ids of the existing documents of a collection, sorted.
func (r *Replica) IDs(coll string) []string {
	var out []string
	for k, d := range r.docs {
		if k.coll == coll && d.exists() {
			out = append(out, k.id)
		}
	}
	sort.Strings(out)
	return out
}

// ChangesSince returns the changes the replica holds that a peer with
// version v lacks, in per-actor seq order (actors sorted). A replica loaded
// from a snapshot holds only the changes applied since; one made
// WithoutChangeLog holds none.
func (r *Replica) ChangesSince(v VersionVector) []*Change {
	r.syncOwn()
	var out []*Change
	for _, a := range r.version.Actors() {
		l := r.log[a]
		if l == nil {
			continue
		}
		from := v.Get(a) + 1
		if from < l.first {
			from = l.first
		}
		if i := from - l.first; i < uint64(len(l.changes)) {
			out = append(out, l.changes[i:]...)
		}
	}
	return out
}

func (r *Replica) record(c *Change) {
	r.version[c.Actor] = c.Seq
	r.keep(c)
}

// keep notes c's clock and adds it to the log, if one is kept.
func (r *Replica) keep(c *Change) {
	if c.HLC.Compare(r.maxHLC) > 0 {
		r.maxHLC = c.HLC
	}
	if r.log == nil {
		return
	}
	l := r.log[c.Actor]
	if l == nil {
		l = &actorLog{first: c.Seq}
		r.log[c.Actor] = l
	}
	l.changes = append(l.changes, c)
}

// deps returns the dependencies of a new local change.
func (r *Replica) deps() VersionVector {
	if seq, _ := r.ownCounters(); len(r.version) == 0 || (len(r.version) == 1 && seq > 0) {
		return nil
	}
	d := make(VersionVector, len(r.version))
	for a, s := range r.version {
		if a != r.actor {
			d[a] = s
		}
	}
	return d
}

func (r *Replica) strictCheck() error {
	if !r.strict {
		return nil
	}
	return r.Check()
}

// checkShape validates the parts of a change that do not depend on state.
func checkShape(c *Change) error {
	if c == nil {
		return fmt.Errorf("%w: nil change", ErrInvalidChange)
	}
	if err := checkActor(c.Actor); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidChange, err)
	}
	if c.Seq == 0 || c.StartCtr == 0 || len(c.Ops) == 0 {
		return fmt.Errorf("%w: seq %d, start counter %d, %d ops", ErrInvalidChange, c.Seq, c.StartCtr, len(c.Ops))
	}
	if w := c.width(); c.StartCtr > math.MaxInt64-w {
		return fmt.Errorf("%w: counters overflow", ErrInvalidChange)
	}
	for a := range c.Deps {
		if err := checkActor(a); err != nil {
			return fmt.Errorf("%w: dependency: %v", ErrInvalidChange, err)
		}
	}
	return nil
}
