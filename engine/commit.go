package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hearthdb/hearth/crdt"
)

// Commit runs ops as one transaction: they become one change, stored
// atomically with the documents they touch, or, if any op fails, nothing
// happens at all. This tab's subscriptions hear of it once, as soon as its
// outcome is known (predicted, see predict.go, or applied in memory), and
// optimistically: if the storage then refuses it, they hear the rollback
// and Commit returns the error. Other tabs' hear of it once it is durable.
func (db *DB) Commit(ctx context.Context, ops []Op) error {
	return db.CommitEach(ctx, [][]Op{ops})[0]
}

// CommitEach runs each element of txs as its own transaction, as that many
// calls of Commit one after the other would, and returns the error of
// each; they share the lock and the storage commits (group.go). A
// transaction that fails leaves the others be, unless its failure dropped
// the in-memory replica (an internal encoding error): those after it then
// fail too, without running.
func (db *DB) CommitEach(ctx context.Context, txs [][]Op) []error {
	errs := make([]error, len(txs))
	var waits []waiting
	_, err := db.committing(ctx, func() ([]*queued, error) {
		if len(txs) > 1 {
			now := db.opts.Clock()
			db.batchNow = &now
			defer func() { db.batchNow = nil }()
		}
		for i, alone := 0, 0; i < len(txs); {
			if db.replica == nil { // dropped by persist: reloaded by the next refresh
				errs[i] = fmt.Errorf("not run: an earlier transaction of the batch failed to be stored: %w", ErrStorage)
				i++
				continue
			}
			n := 0
			if i >= alone {
				n = db.textRun(ctx, txs[i:]) // textrun.go
			}
			if n > 1 {
				run, q, err := db.commitTextRun(txs[i : i+n])
				if errors.Is(err, ErrChangeTooLarge) { // each edit within the limit, not all together:
					alone = i + n // commit them one by one
					continue
				}
				waits = append(waits, waiting{q, errs[i : i+n]})
				for j := range run {
					errs[i+j] = cmp.Or(run[j], err)
				}
				i += n
				continue
			}
			q, err := db.commitOne(ctx, txs[i])
			errs[i] = err
			waits = append(waits, waiting{q, errs[i : i+1]})
			i++
		}
		return nil, nil
	})
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
	for _, w := range waits {
		w.wait()
	}
	return errs
}

// waiting is a queued commit (or nil) and the outcomes of the transactions
// it stores: those not failed already get its storage's.
type waiting struct {
	q    *queued
	errs []error
}

func (w waiting) wait() {
	if w.q == nil {
		return
	}
	err := <-w.q.done
	for i := range w.errs {
		if w.errs[i] == nil {
			w.errs[i] = err
		}
	}
}

// commitOne applies and queues one transaction (nil if it changed nothing).
func (db *DB) commitOne(ctx context.Context, ops []Op) (*queued, error) {
	keys := opKeys(ops)
	if err := checkOpsSize(ops); err != nil { // changesize.go
		return nil, err
	}
	if err := db.loadState(ctx, keys); err != nil {
		return nil, err
	}
	early := db.show(ops, db.commits+1)
	prior := db.newPrior()
	var tv txValues // what earlier ops left (values.go)
	if len(ops) > 1 {
		tv = make(txValues, len(ops))
	}
	var edited editedDocs
	change, patch, err := db.replica.Transact(func(tx *crdt.Tx) error {
		if len(ops) > 1 {
			tx.Reserve(opsEstimate(ops))
		}
		for i := range ops {
			op := &ops[i]
			k := docKey{op.Collection, op.ID}
			if t := db.liveTextFor(op, &edited); t != nil {
				if db.needsPrior(prior, k) {
					current, exists := db.currentValue(k)
					db.notePrior(prior, k, current, exists)
				}
				edited.note(k, true)
				if err := op.applyLive(tx, t); err != nil {
					return err
				}
				db.loaded[k].stale = true // an op after it that reads the value sees the edit
				continue
			}
			edited.note(k, false)
			current, exists := db.valueBefore(k, tv)
			db.notePrior(prior, k, current, exists)
			if err := op.apply(tx, current, exists); err != nil {
				return err
			}
			if tv != nil {
				tv.note(op, current)
			}
		}
		return checkTxSize(tx) // changesize.go
	})
	if err != nil {
		for _, e := range edited.docs {
			if e.live {
				db.loaded[e.k].forget() // its texts hold edits the replica rolled back
			}
		}
	}
	if err != nil || change == nil {
		if early != nil {
			db.unshow(early, fmt.Sprintf("failed (%v) or changed nothing", err))
		}
		return nil, err
	}
	return db.persist([]*crdt.Change{change}, patch, prior, early, &edited)
}

// opsEstimate guesses how many CRDT operations ops make: what a put of
// their values would.
func opsEstimate(ops []Op) int {
	n := 0
	for i := range ops {
		m, _ := ops[i].Value.(map[string]any)
		n += crdt.PutOps(m)
	}
	return n
}

func opKeys(ops []Op) []docKey {
	keys := make([]docKey, 0, len(ops))
	for _, op := range ops {
		keys = append(keys, docKey{op.Collection, op.ID})
	}
	return keys
}

// persist shows applied changes to this tab's subscriptions at once (they
// are applied in memory), unless early showed them already, and queues
// them to be stored with the documents their patch touched (prior holds
// their values before, for the indexes); group.go stores them and tells
// the other tabs. If the storage refuses, the subscriptions hear the
// rollback, and the in-memory replica (which already holds the changes) is
// dropped, so memory never runs ahead of what is stored. edited holds the
// documents that local text edits changed in place (valueAfter).
func (db *DB) persist(changes []*crdt.Change, patch *crdt.Patch, prior map[docKey]map[string]any, early *shown, edited *editedDocs) (*queued, error) {
	commits := db.commits + 1
	n := notice{Commit: commits, Docs: make([]docValue, len(patch.Docs))}
	var only map[docKey]bool
	for i := range patch.Docs {
		p := &patch.Docs[i]
		k := docKey{p.Collection, p.ID}
		inPlace, _ := edited.get(k)
		if only == nil && !inPlace {
			only = splicesOnly(changes)
		}
		v, lazy := db.valueAfter(p, only[k], inPlace)
		if lazy && (early != nil || db.readsValues(p.Collection)) {
			v, _ = db.currentValue(k)
			lazy = false
		}
		n.Docs[i] = docValue{Collection: p.Collection, ID: p.ID, Value: v, lazy: lazy}
	}
	var undo undo
	if early != nil && early.matches(n) {
		undo = early.undo
	} else {
		if early != nil {
			db.unshow(early, fmt.Sprintf("made %v", n.Docs))
		}
		undo = db.view.apply(n)
	}
	for _, c := range changes {
		if c.Actor != db.actor {
			db.metaDirty = true
			break
		}
	}
	writes, err := db.writesOf(changes, n, prior)
	if err != nil {
		db.replica = nil // reloaded from storage by the next refresh
		db.view.revert(undo)
		return nil, fmt.Errorf("commit: %w", err)
	}
	db.commits = commits
	return db.enqueue(writes, n, undo), nil
}

// writesOf returns the index entries of the documents of n, notes what
// each document touched needs stored (storeDoc), and queues the changes
// for the log (log.go); the documents, the log and the replica's metadata
// are written once per storage commit (group.go).
func (db *DB) writesOf(changes []*crdt.Change, n notice, prior map[docKey]map[string]any) ([]Write, error) {
	var writes []Write
	encoded := make([][]byte, len(changes))
	for i, c := range changes {
		encoded[i] = db.queueLog(c)
	}
	parts := docParts(changes, encoded)
	for _, d := range n.Docs {
		k := docKey{d.Collection, d.ID}
		if err := db.storeDoc(k, parts); err != nil {
			return nil, err
		}
		if len(db.indexes[d.Collection]) > 0 {
			old, ok := prior[k]
			if !ok {
				return nil, fmt.Errorf("commit: %s/%s changed without its prior value: %w", d.Collection, d.ID, ErrStorage)
			}
			writes = append(writes, db.indexWrites(d.Collection, d.ID, old, d.Value)...)
		}
	}
	var shown map[docKey]bool   // built once a change touches more than the one document n shows
	for _, c := range changes { // a document touched with no visible change: its state moved all the same
		if k, ok := oneDoc(c); ok && len(n.Docs) == 1 && k == n.Docs[0].key() {
			continue
		}
		if shown == nil {
			shown = make(map[docKey]bool, len(n.Docs))
			for _, d := range n.Docs {
				shown[d.key()] = true
			}
		}
		for i := range c.Ops {
			k := docKey{c.Ops[i].Coll, c.Ops[i].Doc}
			if shown[k] {
				continue
			}
			shown[k] = true
			if err := db.storeDoc(k, parts); err != nil {
				return nil, err
			}
		}
	}
	return writes, nil
}

// docParts returns a function giving a document's parts of changes,
// encoded: each change's ops on the document (crdt.Change.DocParts), split
// on the first call. Only a document stored as a tail entry needs them.
// The part of a change that touches one document is the change: its
// encoding for the log serves.
func docParts(changes []*crdt.Change, encoded [][]byte) func(docKey) [][]byte {
	if len(changes) == 1 { // a local commit: mostly one document
		if only, ok := oneDoc(changes[0]); ok {
			return func(k docKey) [][]byte {
				if k != only {
					return nil
				}
				return encoded
			}
		}
	}
	var parts map[docKey][][]byte
	return func(k docKey) [][]byte {
		if parts == nil {
			parts = map[docKey][][]byte{}
			for i, c := range changes {
				if k, ok := oneDoc(c); ok {
					parts[k] = append(parts[k], encoded[i])
					continue
				}
				for k, p := range c.DocParts() {
					for _, part := range p {
						key := docKey{k[0], k[1]}
						parts[key] = append(parts[key], crdt.EncodeChange(part))
					}
				}
			}
		}
		return parts[k]
	}
}

// oneDoc returns the document c touches, if it touches only one.
func oneDoc(c *crdt.Change) (docKey, bool) {
	if len(c.Ops) == 0 {
		return docKey{}, false
	}
	k := docKey{c.Ops[0].Coll, c.Ops[0].Doc}
	for i := range c.Ops {
		if c.Ops[i].Coll != k.collection || c.Ops[i].Doc != k.id {
			return k, false
		}
	}
	return k, true
}

// storeDoc notes what document k's storage needs after a commit, for the
// batch to write (docWrites): the whole document when it is small (once,
// as the batch leaves it), else its parts of the commit's changes, for
// the tail entry of the batch.
func (db *DB) storeDoc(k docKey, parts func(docKey) [][]byte) error {
	t := db.loaded[k]
	if t == nil { // loadState loads every document a commit touches
		return fmt.Errorf("commit: %s/%s changed without being loaded: %w", k.collection, k.id, ErrStorage)
	}
	if len(t.pending) == 0 && !t.rewrite {
		db.unwritten = append(db.unwritten, k)
	}
	if t.rewrite || t.inline() {
		t.rewrite, t.pending = true, nil // the batch stores it whole, as it then is
		return nil
	}
	for _, b := range parts(k) {
		t.pending = append(t.pending, b)
		t.bytes += len(b) + 2
	}
	return nil
}

// checkpointWrites returns the writes that store document k whole (its
// record, docrecord.go) and drop its tail, takes it off db.tails, and
// updates db.loaded[k].
func (db *DB) checkpointWrites(k docKey, value map[string]any) ([]Write, error) {
	key := DocKey(k.collection, k.id)
	state, err := db.replica.EncodeDoc(k.collection, k.id)
	if err != nil {
		return nil, err
	}
	var v []byte
	if value != nil {
		if v, err = encodeValue(value); err != nil {
			return nil, err
		}
	}
	doc := Write{Store: StoreDocs, Key: key, Value: encodeDocRecord(v, state)}
	db.noteRecord(k)
	t := db.loaded[k]
	writes := make([]Write, 0, 1+len(t.entries)) // t.pending needs no entry: the state holds it
	writes = append(writes, doc)
	for _, c := range t.entries {
		writes = append(writes, Write{Store: StoreTail, Key: tailKey(k, c)})
	}
	if len(t.entries) > 0 {
		delete(db.tails, key)
		db.tailsDirty = true
	}
	*t = loadedDoc{checkpoint: len(doc.Value), value: t.value, cached: t.cached, texts: t.texts, stale: t.stale}
	return writes, nil
}

// ApplyRemote applies changes made by other replicas (from sync), in any
// order and with duplicates: a change whose causal past is missing waits in
// memory until it arrives; one already applied is ignored. Changes applied
// are stored with their documents in one storage commit. A change that
// cannot be applied (an InvalidChangeError) is dropped, and the call goes
// on with the changes that do not build on it, then returns its error;
// a storage failure stops the call. Changes applied are stored either way.
func (db *DB) ApplyRemote(ctx context.Context, changes []*crdt.Change) error {
	qs, err := db.committing(ctx, func() ([]*queued, error) {
		db.pending = append(db.pending, changes...)
		var applied []*crdt.Change
		patch := &crdt.Patch{}
		seen := map[docKey]int{} // a document's place in patch.Docs
		prior := db.newPrior()
		var failed error // the first change that could not be applied (the replica rolled it back)
		for {
			c := db.nextReady()
			if c == nil {
				break
			}
			err := db.applyOne(ctx, c, patch, seen, prior)
			if err == nil {
				applied = append(applied, c)
				continue
			}
			failed = cmp.Or(failed, err)
			if CodeOf(err) != CodeInvalidChange {
				break // the storage failed: the next changes would too
			}
			// An invalid change is dropped from the buffer; the changes
			// that build on it (its actor's next ones) never become ready,
			// the others apply: no bad change blocks what is behind it.
		}
		if len(applied) == 0 {
			return nil, failed
		}
		q, err := db.persist(applied, patch, prior, nil, nil) // those before it are stored all the same
		if err != nil {
			return nil, err
		}
		return []*queued{q}, failed
	})
	if werr := waitAll(qs); err == nil {
		err = werr
	}
	return err
}

// nextReady removes from the pending buffer the duplicates and returns one
// change whose causal past the replica holds, or nil.
func (db *DB) nextReady() *crdt.Change {
	v := db.replica.Version()
	kept := db.pending[:0]
	var ready *crdt.Change
	for _, c := range db.pending {
		switch {
		case c == nil || v.Includes(c.Actor, c.Seq):
			// applied already: drop it
		case ready == nil && c.Seq == v.Get(c.Actor)+1 && v.Dominates(c.Deps):
			ready = c
		default:
			kept = append(kept, c)
		}
	}
	db.pending = kept
	return ready
}

// applyOne applies c, adding what it did to the documents it touched to
// patch (seen holds the place of those already there) and their values
// before the batch to prior.
func (db *DB) applyOne(ctx context.Context, c *crdt.Change, patch *crdt.Patch, seen map[docKey]int, prior map[docKey]map[string]any) error {
	keys := make([]docKey, 0, len(c.Ops))
	for _, op := range c.Ops {
		keys = append(keys, docKey{op.Coll, op.Doc})
	}
	if err := db.loadState(ctx, keys); err != nil {
		return err
	}
	db.priorValues(prior, keys)
	p, err := db.replica.Apply(c)
	if err != nil {
		return fmt.Errorf("apply change %s/%d: %w", c.Actor, c.Seq, err)
	}
	for _, d := range p.Docs {
		k := docKey{d.Collection, d.ID}
		i, ok := seen[k]
		if !ok {
			seen[k] = len(patch.Docs)
			patch.Docs = append(patch.Docs, d)
			continue
		}
		// A later change of the same document: its edits follow the
		// earlier ones' (values.go applies the splices in order).
		dp := &patch.Docs[i]
		dp.Exists, dp.Reset = d.Exists, dp.Reset || d.Reset
		dp.Splices = append(dp.Splices, d.Splices...)
		for _, f := range d.Fields {
			if !slices.Contains(dp.Fields, f) {
				dp.Fields = append(dp.Fields, f)
			}
		}
	}
	return nil
}
