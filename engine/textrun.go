package engine

import (
	"context"
	"errors"

	"github.com/hearthdb/hearth/crdt"
)

// Keystrokes coalesced. An editor sends a transaction per keystroke, and
// a burst of them reaches CommitEach together (the browser gathers the
// calls of one task). Each would be a CRDT change of its own, with its
// clock reading, encoding, log record, notice and queued commit: most of
// a keystroke's cost. So a run of transactions that are each one edit of
// a text the engine holds live (livetext.go) runs as one CRDT transaction,
// one change and one commit, the way Yjs merges the edits of a
// transaction. Each keeps its own outcome: an edit that fails (a position
// past the end) changes nothing and fails alone; the others are stored
// together, and their callers return once that is durable. The view shows
// the run once, as it leaves the documents.

// errLiveCopy is an edit the CRDT took that the engine's copy of the text
// could not follow: the whole run fails, as the copy is no longer known.
var errLiveCopy = errors.New("the engine's copy of a text is not the replica's")

// textRun returns how many transactions from the start of txs are each a
// single edit of a text the engine holds live, loading their documents
// and making the live texts.
func (db *DB) textRun(ctx context.Context, txs [][]Op) int {
	n := 0
	for ; n < len(txs) && len(txs[n]) == 1; n++ {
		op := &txs[n][0]
		if op.Kind != OpInsertText && op.Kind != OpDeleteText {
			break
		}
		k := docKey{op.Collection, op.ID}
		if validateAddress(k.collection, k.id) != nil || db.loadState(ctx, []docKey{k}) != nil || db.liveTextOf(k, op.Path) == nil {
			break
		}
	}
	return n
}

// commitTextRun commits txs, a text run, as one transaction. errs holds
// the outcome of each edit that failed alone (an edit over MaxChangeBytes
// among them); q is the commit queued for the others (nil when none
// changed anything), and err the failure of them all, ErrChangeTooLarge
// when their change together would be over MaxChangeBytes.
func (db *DB) commitTextRun(txs [][]Op) (errs []error, q *queued, err error) {
	errs = make([]error, len(txs))
	prior := db.newPrior()
	var edited editedDocs
	change, patch, err := db.replica.Transact(func(tx *crdt.Tx) error {
		for i, ops := range txs {
			op := &ops[0]
			k := docKey{op.Collection, op.ID}
			if db.needsPrior(prior, k) {
				current, exists := db.currentValue(k)
				db.notePrior(prior, k, current, exists)
			}
			if errs[i] = checkOpsSize(ops); errs[i] == nil { // changesize.go: too large alone, it fails alone
				errs[i] = op.applyLive(tx, db.liveTextOf(k, op.Path))
			}
			if errs[i] != nil {
				if errors.Is(errs[i], errLiveCopy) {
					return errs[i]
				}
				continue // checked before anything changed: the run goes on without it
			}
			edited.note(k, true)
			db.loaded[k].stale = true
		}
		return checkTxSize(tx) // changesize.go: together over the limit, see CommitEach
	})
	if err != nil {
		for _, e := range edited.docs {
			db.loaded[e.k].forget()
		}
		return errs, nil, err
	}
	if change == nil {
		return errs, nil, nil
	}
	q, err = db.persist([]*crdt.Change{change}, patch, prior, nil, &edited)
	return errs, q, err
}
