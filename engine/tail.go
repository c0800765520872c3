package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearthdb/hearth/crdt"
)

// Incremental storage. A document is stored as a checkpoint (its record in
// StoreDocs: its value and CRDT state, consistent with each other) plus a
// tail: one StoreTail entry per later commit that touched it,
// holding that commit's operations on the document. A commit therefore
// writes what it changed, not what the document is; its state is
// checkpoint + replay of the tail (crdt.Replay). A small document is
// checkpointed at every commit (rewriting it costs about what a tail entry
// would); a large one gets a tail, and is checkpointed again, in a commit
// of its own after the one that made its tail long (checkpoint.go), when
// the tail outweighs the checkpoint.
//
// StoreMeta's metaTails lists the documents that have a tail, each with
// the commit of its first entry; every tail entry names the commit of the
// one before it. Readers that do not hold the Coordinator's lock (a
// collection's load, cold reads) check that chain, so that a checkpoint or
// a commit by another tab between their reads is noticed and read again,
// never taken for the document's state.

// metaTails is the StoreMeta key of the documents that have a tail.
const metaTails = "tails"

// Checkpoint policy.
const (
	// inlineLimit: a document whose checkpoint and tail weigh less is
	// checkpointed by every commit that touches it.
	inlineLimit = 4 << 10
	// tailFloor: a tail may grow to this many bytes, or to its
	// checkpoint's size if larger, before the document is checkpointed.
	tailFloor = 32 << 10
	// tailEntries bounds the entries of a tail, and so the requests of a
	// load, however small they are.
	tailEntries = 2048
)

// tailKey is the StoreTail key of the entry commit made to document k. The
// fixed-width counter keeps a document's entries in commit order; a
// document id holding the separator can share a prefix with another's, so
// readers match the document part exactly (parseTailKey).
func tailKey(k docKey, commit uint64) string {
	return fmt.Sprintf("%s%s%016x", DocKey(k.collection, k.id), keySep, commit)
}

func tailPrefix(k docKey) string { return DocKey(k.collection, k.id) + keySep }

// parseTailKey returns the document key and commit of a tail key.
func parseTailKey(key string) (doc string, commit uint64, err error) {
	cut := len(key) - 17
	if cut < 0 || key[cut:cut+1] != keySep {
		return "", 0, fmt.Errorf("tail key %q: %w", key, ErrStorage)
	}
	if _, err := fmt.Sscanf(key[cut+1:], "%016x", &commit); err != nil {
		return "", 0, fmt.Errorf("tail key %q: %w", key, ErrStorage)
	}
	return key[:cut], commit, nil
}

// loadedDoc is what the engine knows of a document whose CRDT state the
// replica holds: what is stored of it (the size of its checkpoint and the
// entries of its tail) and, once read, its value (values.go).
type loadedDoc struct {
	// checkpoint is the size of its checkpoint: state and value as last
	// written, or only the state as loaded (the value is not read to load
	// a document; the next checkpoint learns its size).
	checkpoint int
	entries    []uint64 // commits of its tail entries, oldest first
	pending    [][]byte // encoded parts of queued commits, for the batch's tail entry
	rewrite    bool     // the batch stores it whole instead (it is small)
	bytes      int      // bytes of its tail entries and pending parts

	value  map[string]any // its value as the replica holds it (nil: absent), when cached
	cached bool
	// texts are its texts that edits changed in place (livetext.go): they
	// hold the text, and value holds it too unless stale.
	texts []*liveText
	stale bool
}

// due reports whether the document should be checkpointed.
func (t *loadedDoc) due() bool {
	return len(t.entries) >= tailEntries || t.bytes > max(t.checkpoint, tailFloor)
}

// pressing reports whether the document's tail has grown checkpointPress
// times past due, so that it is checkpointed without waiting for a pause.
func (t *loadedDoc) pressing() bool {
	return len(t.entries) >= checkpointPress*tailEntries || t.bytes > checkpointPress*max(t.checkpoint, tailFloor)
}

// inline reports whether a commit should checkpoint the document rather
// than append to its tail.
func (t *loadedDoc) inline() bool { return t.checkpoint+t.bytes < inlineLimit }

// encodeTailEntry encodes a tail entry: the commit of the entry before it
// (0 for the first), then the document's parts (crdt.EncodeChange) of the
// commits the entry stores.
func encodeTailEntry(prev uint64, parts [][]byte) []byte {
	b := binary.AppendUvarint(nil, prev)
	b = binary.AppendUvarint(b, uint64(len(parts)))
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// docWrites returns what a batch of commits ending at commit stores of
// the documents they touched (storeDoc noted which): the small ones whole,
// a tail entry for each other, and metaTails if it changed. Call it
// holding db.mu, as the batch is taken.
func (db *DB) docWrites(commit uint64) ([]Write, error) {
	if db.replica == nil {
		return nil, fmt.Errorf("store: the in-memory state was dropped: %w", ErrStorage)
	}
	var writes []Write
	for _, k := range db.unwritten {
		t := db.loaded[k]
		switch {
		case t == nil: // dropped by a failed load: nothing of it is queued
		case t.rewrite:
			value, _ := db.currentValue(k)
			w, err := db.checkpointWrites(k, value)
			if err != nil {
				return nil, err
			}
			writes = append(writes, w...)
		case len(t.pending) > 0:
			writes = append(writes, db.tailEntry(k, t, commit))
		}
	}
	db.unwritten = db.unwritten[:0]
	if db.tailsDirty {
		writes = append(writes, Write{Store: StoreMeta, Key: metaTails, Value: encodeTails(db.tails)})
		db.tailsDirty = false
	}
	return writes, nil
}

// tailEntry returns the tail entry of document k's pending parts, stored
// by the storage commit that ends at commit, and moves them to its tail.
func (db *DB) tailEntry(k docKey, t *loadedDoc, commit uint64) Write {
	prev := uint64(0)
	if n := len(t.entries); n > 0 {
		prev = t.entries[n-1]
	} else {
		db.tails[DocKey(k.collection, k.id)] = commit
		db.tailsDirty = true
	}
	w := Write{Store: StoreTail, Key: tailKey(k, commit), Value: encodeTailEntry(prev, t.pending)}
	t.entries, t.pending = append(t.entries, commit), nil
	return w
}

// decodeTailEntry is the inverse of encodeTailEntry.
func decodeTailEntry(b []byte) (prev uint64, parts []*crdt.Change, err error) {
	bad := func(what string) error { return fmt.Errorf("tail entry: %s: %w", what, ErrStorage) }
	prev, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, bad("no previous commit")
	}
	b = b[n:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count == 0 || count > uint64(len(b)) {
		return 0, nil, bad("bad part count")
	}
	b = b[n:]
	parts = make([]*crdt.Change, 0, count)
	for range count {
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return 0, nil, bad("bad part size")
		}
		c, err := crdt.DecodeChange(b[n : n+int(size)])
		if err != nil {
			return 0, nil, fmt.Errorf("tail entry: %w", errors.Join(ErrStorage, err))
		}
		parts = append(parts, c)
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return 0, nil, bad("trailing bytes")
	}
	return prev, parts, nil
}

// errTailMoved says a tail read without the lock raced a checkpoint or a
// commit of another tab; the reader reads again.
var errTailMoved = errors.New("the tail changed while it was read")

// readTail reads the tail of document k, which metaTails said starts at
// commit first, and checks its chain. It returns the parts to replay, the
// entries' commits and their size.
func (db *DB) readTail(ctx context.Context, k docKey, first uint64) (parts []*crdt.Change, tail loadedDoc, err error) {
	kvs, err := db.storage.Scan(ctx, StoreTail, tailPrefix(k))
	if err != nil {
		return nil, loadedDoc{}, err
	}
	want := DocKey(k.collection, k.id)
	var last uint64
	for _, kv := range kvs {
		doc, commit, err := parseTailKey(kv.Key)
		if err != nil {
			return nil, loadedDoc{}, err
		}
		if doc != want {
			continue // another document whose id extends k's
		}
		prev, p, err := decodeTailEntry(kv.Value)
		if err != nil {
			return nil, loadedDoc{}, fmt.Errorf("%s/%s: %w", k.collection, k.id, err)
		}
		if (len(tail.entries) == 0 && commit != first) || prev != last {
			return nil, loadedDoc{}, errTailMoved
		}
		parts = append(parts, p...)
		tail.entries = append(tail.entries, commit)
		tail.bytes += len(kv.Value)
		last = commit
	}
	if len(tail.entries) == 0 {
		return nil, loadedDoc{}, errTailMoved // metaTails lists it: a checkpoint came in between
	}
	return parts, tail, nil
}

// decodeTails decodes metaTails: DocKey -> commit of its first entry.
func decodeTails(b []byte) (map[string]uint64, error) {
	tails := map[string]uint64{}
	if b == nil {
		return tails, nil
	}
	if err := msgpack.Unmarshal(b, &tails); err != nil {
		return nil, fmt.Errorf("stored tails: %w", errors.Join(ErrStorage, err))
	}
	return tails, nil
}

func encodeTails(tails map[string]uint64) []byte {
	keys := slices.Sorted(maps.Keys(tails))
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	var buf strings.Builder
	enc.Reset(&buf)
	_ = enc.EncodeMapLen(len(keys))
	for _, k := range keys {
		_ = enc.EncodeString(k)
		_ = enc.EncodeUint(tails[k])
	}
	return []byte(buf.String())
}

// storedTails reads metaTails, for a reader without the lock.
func (db *DB) storedTails(ctx context.Context) (map[string]uint64, error) {
	b, err := db.storage.Get(ctx, StoreMeta, metaTails)
	if errors.Is(err, ErrNotFound) {
		b, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeTails(b)
}

// maxTailReads bounds how often committedValues reads again after racing
// other commits; each race means another commit landed meanwhile.
const maxTailReads = 16

// committedValues returns the values of documents keys as committed (nil
// for an absent one), for a reader that does not hold the lock: the
// checkpoint record's value, or for a document that tails (as read from
// metaTails) lists, its checkpoint record's state and tail replayed. If a
// commit moved a tail meanwhile, it reads metaTails and the values again.
func (db *DB) committedValues(ctx context.Context, keys []docKey, tails map[string]uint64) ([]map[string]any, error) {
	for attempt := 1; ; attempt++ {
		values, err := db.committedValuesOnce(ctx, keys, tails)
		if !errors.Is(err, errTailMoved) {
			return values, err
		}
		if attempt == maxTailReads {
			return nil, fmt.Errorf("read documents: %w, %d times: %w", err, attempt, ErrStorage)
		}
		if tails, err = db.storedTails(ctx); err != nil {
			return nil, err
		}
	}
}

func (db *DB) committedValuesOnce(ctx context.Context, keys []docKey, tails map[string]uint64) ([]map[string]any, error) {
	values := make([]map[string]any, len(keys))
	var plain, tailed []int // indexes into keys
	for i, k := range keys {
		if _, ok := tails[DocKey(k.collection, k.id)]; ok {
			tailed = append(tailed, i)
		} else {
			plain = append(plain, i)
		}
	}
	var dec valueDecoder
	if err := db.readInto(ctx, StoreDocs, keys, plain, func(i int, b []byte) (err error) {
		if b != nil {
			values[i], err = dec.decodeStored(b)
		}
		return err
	}); err != nil {
		return nil, err
	}
	if len(tailed) == 0 {
		return values, nil
	}
	r, err := crdt.NewReplica(db.actor, crdt.WithoutChangeLog())
	if err != nil {
		return nil, err
	}
	err = db.readInto(ctx, StoreDocs, keys, tailed, func(i int, record []byte) error {
		k := keys[i]
		_, b, err := splitDocRecord(record)
		if err != nil {
			return err
		}
		if b != nil {
			if err := r.LoadDoc(b); err != nil {
				return fmt.Errorf("load %s/%s: %w", k.collection, k.id, errors.Join(ErrStorage, err))
			}
		}
		parts, _, err := db.readTail(ctx, k, tails[DocKey(k.collection, k.id)])
		if err != nil {
			return err
		}
		if err := r.Replay(parts...); err != nil {
			return fmt.Errorf("load %s/%s: %w", k.collection, k.id, errors.Join(ErrStorage, err))
		}
		values[i], _ = r.Get(k.collection, k.id)
		return nil
	})
	return values, err
}

// readInto reads the documents keys[i] of store, for each i of which, in
// one storage read, and hands each value to fn (nil where there is none).
func (db *DB) readInto(ctx context.Context, store string, keys []docKey, which []int, fn func(i int, b []byte) error) error {
	if len(which) == 0 {
		return nil
	}
	storeKeys := make([]string, len(which))
	for j, i := range which {
		storeKeys[j] = DocKey(keys[i].collection, keys[i].id)
	}
	got, err := db.storage.GetMany(ctx, store, storeKeys)
	if err != nil {
		return err
	}
	for j, b := range got {
		if err := fn(which[j], b); err != nil {
			return err
		}
	}
	return nil
}
