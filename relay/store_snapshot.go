package relay

import (
	"errors"
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	bolt "go.etcd.io/bbolt"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// Snapshots in the store (protocol version 3). Per space, the newest
// snapshot a client uploaded: an opaque blob and the version vector it
// covers, which the store checks against the changes it holds; and the
// floor, per actor the highest seq whose change the store dropped because
// a snapshot covers it (DropCovered). The store then holds an actor's
// changes floor+1..head. Layout: bucket <space> / bucket "snap" / "meta"
// (msgpack of snapMeta) and chunk index (8 bytes big-endian) -> bytes;
// bucket <space> / bucket "floor" (actor -> seq).

var (
	bucketSnap  = []byte("snap")
	bucketFloor = []byte("floor")
	keySnapMeta = []byte("meta")
)

// snapChunk is the size of the pieces a snapshot is stored in, so that
// serving it reads a frame's worth at a time.
const snapChunk = 256 << 10

// SnapshotInfo describes the snapshot a space holds.
type SnapshotInfo struct {
	// Version is the version vector the snapshot covers.
	Version crdt.VersionVector
	// Size is its length in bytes.
	Size int
	// Gen counts the snapshots stored in the space; ReadSnapshot names
	// the one it reads by it.
	Gen uint64
	// At is when it was stored.
	At time.Time
}

type snapMeta struct {
	Version map[string]uint64 `msgpack:"v"`
	Size    int               `msgpack:"n"`
	Gen     uint64            `msgpack:"g"`
	At      int64             `msgpack:"t"`
}

func (m snapMeta) info() SnapshotInfo {
	vv := crdt.VersionVector{}
	for a, s := range m.Version {
		vv[crdt.ActorID(a)] = s
	}
	return SnapshotInfo{Version: vv, Size: m.Size, Gen: m.Gen, At: time.Unix(0, m.At)}
}

// Snapshot returns the snapshot space holds (ok false: none) and its
// floor (empty when no change was dropped), from one read.
func (s *Store) Snapshot(space string) (info SnapshotInfo, ok bool, floor crdt.VersionVector, err error) {
	floor = crdt.VersionVector{}
	err = s.db.View(func(tx *bolt.Tx) error {
		sp := tx.Bucket(bucketSpaces).Bucket([]byte(space))
		if sp == nil {
			return nil
		}
		readFloor(sp, floor)
		var m snapMeta
		m, ok, err = readSnapMeta(sp)
		info = m.info()
		return err
	})
	if err != nil {
		return SnapshotInfo{}, false, nil, fmt.Errorf("%w: read snapshot of %q: %w", ErrStore, space, err)
	}
	return info, ok, floor, nil
}

func readFloor(sp *bolt.Bucket, floor crdt.VersionVector) {
	if fb := sp.Bucket(bucketFloor); fb != nil {
		_ = fb.ForEach(func(k, v []byte) error {
			floor[crdt.ActorID(k)] = readU64(v)
			return nil
		})
	}
}

func readSnapMeta(sp *bolt.Bucket) (m snapMeta, ok bool, err error) {
	sb := sp.Bucket(bucketSnap)
	if sb == nil {
		return m, false, nil
	}
	b := sb.Get(keySnapMeta)
	if b == nil {
		return m, false, nil
	}
	return m, true, msgpack.Unmarshal(b, &m)
}

// PutSnapshot stores data as the snapshot of space covering vv, if vv
// dominates the vector of the snapshot held (else it keeps that one), and
// returns the snapshot the space then holds. It refuses, with an error
// wrapping sync.ErrSnapshotRefused, a vector that claims a change the
// store does not hold (beyond an actor's head): it cannot check the blob
// itself.
func (s *Store) PutSnapshot(space string, vv crdt.VersionVector, data []byte, at time.Time) (SnapshotInfo, error) {
	var held snapMeta
	err := s.db.Update(func(tx *bolt.Tx) error {
		sp := tx.Bucket(bucketSpaces).Bucket([]byte(space))
		if sp == nil {
			return fmt.Errorf("%w: space %q holds no change", hsync.ErrSnapshotRefused, space)
		}
		heads := sp.Bucket(bucketHeads)
		for a, seq := range vv {
			if head := readU64(heads.Get([]byte(a))); seq > head {
				return fmt.Errorf("%w: it covers %s:%d, the relay holds up to %d", hsync.ErrSnapshotRefused, a, seq, head)
			}
		}
		m, ok, err := readSnapMeta(sp)
		if err != nil {
			return err
		}
		if ok && (!vv.Dominates(m.info().Version) || vv.Equal(m.info().Version)) {
			held = m // an older, concurrent or equal snapshot: keep the one held
			return nil
		}
		held = snapMeta{Version: map[string]uint64{}, Size: len(data), Gen: m.Gen + 1, At: at.UnixNano()}
		for a, seq := range vv {
			held.Version[string(a)] = seq
		}
		return writeSnap(sp, held, data)
	})
	if err != nil && !errors.Is(err, hsync.ErrSnapshotRefused) {
		err = fmt.Errorf("%w: store snapshot of %q: %w", ErrStore, space, err)
	}
	return held.info(), err
}

func writeSnap(sp *bolt.Bucket, m snapMeta, data []byte) error {
	if sp.Bucket(bucketSnap) != nil {
		if err := sp.DeleteBucket(bucketSnap); err != nil {
			return err
		}
	}
	sb, err := sp.CreateBucket(bucketSnap)
	if err != nil {
		return err
	}
	for i := 0; i*snapChunk < len(data); i++ {
		if err := sb.Put(u64(uint64(i)), data[i*snapChunk:min((i+1)*snapChunk, len(data))]); err != nil {
			return err
		}
	}
	b, err := msgpack.Marshal(m)
	if err != nil {
		return err
	}
	return sb.Put(keySnapMeta, b)
}

// errSnapshotGone reports a snapshot replaced by a newer one while it was
// being read; the session ends and the client gets the newer one.
var errSnapshotGone = fmt.Errorf("%w: the snapshot was replaced while being sent; reconnect", hsync.ErrInternal)

// ReadSnapshot returns up to n bytes of snapshot gen of space from offset.
func (s *Store) ReadSnapshot(space string, gen uint64, offset, n int) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		sp := tx.Bucket(bucketSpaces).Bucket([]byte(space))
		if sp == nil {
			return errSnapshotGone
		}
		m, ok, err := readSnapMeta(sp)
		if err != nil {
			return err
		}
		if !ok || m.Gen != gen || offset < 0 || offset >= m.Size {
			return errSnapshotGone
		}
		sb := sp.Bucket(bucketSnap)
		end := min(offset+n, m.Size)
		for off := offset; off < end; {
			i := off / snapChunk
			chunk := sb.Get(u64(uint64(i)))
			from := off - i*snapChunk
			if from >= len(chunk) {
				return fmt.Errorf("snapshot chunk %d is short", i)
			}
			take := min(len(chunk)-from, end-off)
			out = append(out, chunk[from:from+take]...)
			off += take
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSnapshotGone) {
		err = fmt.Errorf("%w: read snapshot of %q: %w", ErrStore, space, err)
	}
	return out, err
}

// DropCovered drops the changes of space that snapshot gen covers, if it
// is still the one held, and raises the floor to its vector; it returns
// how many changes it dropped. Clients that lack them then need the
// snapshot (protocol version 3) or get sync.ErrHistoryDropped.
func (s *Store) DropCovered(space string, gen uint64) (int, error) {
	dropped := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		dropped = 0 // a retried transaction starts again
		sp := tx.Bucket(bucketSpaces).Bucket([]byte(space))
		if sp == nil {
			return nil
		}
		m, ok, err := readSnapMeta(sp)
		if err != nil || !ok || m.Gen != gen {
			return err
		}
		fb, err := sp.CreateBucketIfNotExists(bucketFloor)
		if err != nil {
			return err
		}
		lb := sp.Bucket(bucketLog)
		for a, upto := range m.info().Version {
			n, err := dropActor(lb, fb, a, upto)
			if err != nil {
				return err
			}
			dropped += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%w: drop history of %q: %w", ErrStore, space, err)
	}
	return dropped, nil
}

func dropActor(lb, fb *bolt.Bucket, a crdt.ActorID, upto uint64) (int, error) {
	if readU64(fb.Get([]byte(a))) >= upto {
		return 0, nil
	}
	n := 0
	if ab := lb.Bucket([]byte(a)); ab != nil {
		c := ab.Cursor()
		for k, _ := c.First(); k != nil && readU64(k) <= upto; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, fb.Put([]byte(a), u64(upto))
}
