package relay

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	bolt "go.etcd.io/bbolt"
)

// Store keeps each space's changes: per actor, payloads keyed by seq, and
// the head (highest contiguous seq) of every actor. Layout of the bbolt
// file: bucket "spaces" / bucket <space> / bucket "heads" (actor -> seq as
// 8 bytes big-endian) and bucket "log" / bucket <actor> (seq -> payload);
// bucket "meta" / "epoch" holds the file's epoch.
type Store struct {
	db      *bolt.DB
	batched bool
	epoch   string
}

var (
	bucketSpaces = []byte("spaces")
	bucketHeads  = []byte("heads")
	bucketLog    = []byte("log")
	bucketMeta   = []byte("meta")
	keyEpoch     = []byte("epoch")
)

// StoreOptions tunes OpenStore.
type StoreOptions struct {
	// NoSync skips fsync on commit. Only for tests and fuzzing: it breaks
	// the promise that an ACK means durable.
	NoSync bool
	// BatchDelay is how long a push waits for concurrent pushes to share
	// its commit (and fsync); 0 means 2ms, negative means no grouping.
	BatchDelay time.Duration
}

// OpenStore opens (creating if needed) the bbolt file at path.
func OpenStore(path string, opt StoreOptions) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: opt.NoSync})
	if err != nil {
		return nil, fmt.Errorf("%w: open %s: %w", ErrStore, path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	if opt.BatchDelay > 0 {
		db.MaxBatchDelay = opt.BatchDelay
	}
	var epoch string
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketSpaces); err != nil {
			return err
		}
		epoch, err = initEpoch(tx)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: init %s: %w", ErrStore, path, err)
	}
	return &Store{db: db, batched: opt.BatchDelay >= 0, epoch: epoch}, nil
}

// initEpoch returns the file's epoch, made at random when the file is: a
// wiped or replaced relay starts with another one, while a restored backup
// keeps it (docs/PROTOCOL.md §5).
func initEpoch(tx *bolt.Tx) (string, error) {
	mb, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return "", err
	}
	if e := mb.Get(keyEpoch); e != nil {
		return string(e), nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	e := hex.EncodeToString(b)
	return e, mb.Put(keyEpoch, []byte(e))
}

// Epoch returns the epoch of the store, the same for all its spaces
// (sync.Welcome.Epoch).
func (s *Store) Epoch() string { return s.epoch }

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Version returns the version vector of space (empty for a new space).
func (s *Store) Version(space string) (crdt.VersionVector, error) {
	vv := crdt.VersionVector{}
	err := s.db.View(func(tx *bolt.Tx) error {
		sp := tx.Bucket(bucketSpaces).Bucket([]byte(space))
		if sp == nil {
			return nil
		}
		return sp.Bucket(bucketHeads).ForEach(func(k, v []byte) error {
			vv[crdt.ActorID(k)] = readU64(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("%w: read version of %q: %w", ErrStore, space, err)
	}
	return vv, nil
}

// Append stores envs in space atomically and durably (the call returns
// after the fsynced commit). Changes already stored with the same payload
// are skipped, so a replayed push is idempotent. The whole batch fails,
// storing nothing, when a change would leave a gap in its actor's seqs
// (an error wrapping sync.ErrSeqGap) or has the (actor, seq) of a stored
// change with another payload (sync.ErrSeqConflict). heads holds the
// resulting head of every actor of envs.
func (s *Store) Append(space string, envs []hsync.Envelope) (heads crdt.VersionVector, err error) {
	commit := s.db.Update
	if s.batched {
		commit = s.db.Batch
	}
	err = commit(func(tx *bolt.Tx) error {
		heads = crdt.VersionVector{} // Batch may run this function twice
		return appendTx(tx, space, envs, heads)
	})
	if err != nil && !errors.Is(err, hsync.ErrSeqGap) && !errors.Is(err, hsync.ErrSeqConflict) {
		err = fmt.Errorf("%w: append to %q: %w", ErrStore, space, err)
	}
	return heads, err
}

func appendTx(tx *bolt.Tx, space string, envs []hsync.Envelope, heads crdt.VersionVector) error {
	sp, err := tx.Bucket(bucketSpaces).CreateBucketIfNotExists([]byte(space))
	if err != nil {
		return err
	}
	hb, err := sp.CreateBucketIfNotExists(bucketHeads)
	if err != nil {
		return err
	}
	lb, err := sp.CreateBucketIfNotExists(bucketLog)
	if err != nil {
		return err
	}
	fb := sp.Bucket(bucketFloor) // nil until a change was dropped (store_snapshot.go)
	for _, e := range envs {
		if err := appendOne(hb, lb, fb, e, heads); err != nil {
			return err
		}
	}
	return nil
}

func appendOne(hb, lb, fb *bolt.Bucket, e hsync.Envelope, heads crdt.VersionVector) error {
	actor := []byte(e.Actor)
	head := readU64(hb.Get(actor))
	heads[e.Actor] = head
	switch {
	case fb != nil && e.Seq <= readU64(fb.Get(actor)):
		return nil // dropped under a snapshot: acknowledged as a replay, its bytes unchecked
	case e.Seq <= head:
		return checkReplay(lb, e)
	case e.Seq > head+1:
		return fmt.Errorf("%w: %s:%d after head %d", hsync.ErrSeqGap, e.Actor, e.Seq, head)
	}
	ab, err := lb.CreateBucketIfNotExists(actor)
	if err != nil {
		return err
	}
	if err := ab.Put(u64(e.Seq), e.Payload); err != nil {
		return err
	}
	heads[e.Actor] = e.Seq
	return hb.Put(actor, u64(e.Seq))
}

// checkReplay accepts a change already stored only with the same bytes:
// acknowledging a different one would drop it while its sender believes
// it delivered.
func checkReplay(lb *bolt.Bucket, e hsync.Envelope) error {
	var held []byte
	if ab := lb.Bucket([]byte(e.Actor)); ab != nil {
		held = ab.Get(u64(e.Seq))
	}
	if !bytes.Equal(held, e.Payload) { // nil and empty are equal: bbolt may return either
		return fmt.Errorf("%w: %s:%d is held with a different payload (%d bytes, pushed %d)",
			hsync.ErrSeqConflict, e.Actor, e.Seq, len(held), len(e.Payload))
	}
	return nil
}

// ChangesSince returns the changes of space that vv does not cover, per
// actor in seq order (actors sorted), at most limit changes and about
// maxBytes of payload. more reports that changes were left out. If one of
// them was dropped (DropCovered), it fails with sync.ErrHistoryDropped.
func (s *Store) ChangesSince(space string, vv crdt.VersionVector, limit, maxBytes int) (envs []hsync.Envelope, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		sp := tx.Bucket(bucketSpaces).Bucket([]byte(space))
		if sp == nil {
			return nil
		}
		r := reader{lb: sp.Bucket(bucketLog), limit: limit, maxBytes: maxBytes}
		hc := sp.Bucket(bucketHeads).Cursor()
		for k, v := hc.First(); k != nil && !r.full && r.err == nil; k, v = hc.Next() {
			if a := crdt.ActorID(k); readU64(v) > vv[a] {
				r.actor(a, vv[a])
			}
		}
		envs, more = r.out, r.full
		return r.err
	})
	if errors.Is(err, hsync.ErrHistoryDropped) {
		return nil, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: read %q: %w", ErrStore, space, err)
	}
	return envs, more, nil
}

// reader collects envelopes within a count and byte budget.
type reader struct {
	lb              *bolt.Bucket
	limit, maxBytes int
	bytes           int
	out             []hsync.Envelope
	full            bool
	err             error
}

func (r *reader) actor(a crdt.ActorID, after uint64) {
	ab := r.lb.Bucket([]byte(a))
	if ab == nil {
		return
	}
	c := ab.Cursor()
	k, v := c.Seek(u64(after + 1))
	if k != nil && readU64(k) != after+1 { // dropped under a snapshot since the client's session began
		r.err = fmt.Errorf("%w: %s:%d is kept only in a snapshot now; reconnect", hsync.ErrHistoryDropped, a, after+1)
		return
	}
	for ; k != nil; k, v = c.Next() {
		size := len(v) + len(a) + 32
		if len(r.out) == r.limit || (len(r.out) > 0 && r.bytes+size > r.maxBytes) {
			r.full = true
			return
		}
		r.bytes += size
		r.out = append(r.out, hsync.Envelope{Actor: a, Seq: readU64(k), Payload: append([]byte{}, v...)})
	}
}

// Check verifies the store's invariants for the given spaces (all spaces
// when none is given): every actor's log holds exactly the seqs
// floor+1..head (the floor is 0 unless DropCovered dropped changes), and
// no log lacks a head. Tests and fuzzing run it after
// bad input.
func (s *Store) Check(spaces ...string) error {
	return s.db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSpaces)
		if len(spaces) == 0 {
			_ = root.ForEachBucket(func(k []byte) error {
				spaces = append(spaces, string(k))
				return nil
			})
		}
		for _, space := range spaces {
			sp := root.Bucket([]byte(space))
			if sp == nil {
				continue
			}
			if err := checkSpace(sp); err != nil {
				return fmt.Errorf("%w: space %q: %w", ErrStore, space, err)
			}
		}
		return nil
	})
}

func checkSpace(sp *bolt.Bucket) error {
	hb, lb := sp.Bucket(bucketHeads), sp.Bucket(bucketLog)
	floor := crdt.VersionVector{}
	readFloor(sp, floor)
	if hb == nil || lb == nil {
		return errors.New("missing heads or log bucket")
	}
	if err := lb.ForEachBucket(func(actor []byte) error {
		if hb.Get(actor) == nil {
			return fmt.Errorf("log of %q has no head", actor)
		}
		return nil
	}); err != nil {
		return err
	}
	return hb.ForEach(func(actor, v []byte) error {
		ab := lb.Bucket(actor)
		if ab == nil {
			return fmt.Errorf("head of %q has no log", actor)
		}
		want := floor[crdt.ActorID(actor)] + 1
		c := ab.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if readU64(k) != want {
				return fmt.Errorf("%q: seq %d where %d expected", actor, readU64(k), want)
			}
			want++
		}
		if want-1 != readU64(v) {
			return fmt.Errorf("%q: head %d but changes up to %d", actor, readU64(v), want-1)
		}
		return nil
	})
}
