package engine

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearthdb/hearth/crdt"
)

// Log packing. The log keeps every change, including those a relay has
// acknowledged: a relay that loses them (wiped, restored from a backup,
// replaced) is sent them again (docs/PROTOCOL.md §5), by whichever replica
// holds them. To keep that history small, a background pass, off the
// commit path like Checkpoint, rewrites each actor's runs of small records
// (one per storage commit, log.go) into packed records of up to packChanges
// changes, DEFLATE-compressed. A packed record is keyed like any other, by
// the last seq it holds, so ChangesSince finds a change by (actor, seq)
// whichever kind holds it. Its bytes are logRunMark, a zero byte (a run
// record never counts zero changes), then the DEFLATE stream of the run
// record (encodeLogRecord) of its changes: each change's bytes are kept as
// they were, since a relay compares a re-sent change's bytes with what it
// holds. One storage commit writes a pass's packed records and deletes the
// records they replace, so an interrupted pass leaves the log as it was.

const (
	packChanges = 512     // changes in a packed record, at most
	packBytes   = 1 << 20 // encoded bytes in a packed record, unless one record alone is larger
	packEvery   = 256     // log records written between background passes
	packGroups  = 16      // packed records one pass writes (one storage commit, under the lock)
	maxUnpacked = 1 << 28 // inflated bytes of a packed record: a bound against corrupt data
)

// metaPacked holds, per actor, the seq up to which its log needs no
// packing (packed, or absent): a pass reads only the records above it.
const metaPacked = "logpacked"

// PackLog runs one pass of log packing (see above): for actors with at
// least packChanges changes above their packed part, it packs complete
// groups of records, at most packGroups records in all, in one storage
// commit. more reports that another pass has work left. The engine runs it
// in the background after every packEvery log records; calling it directly
// is for tests and for a host that wants it now. It changes no document
// and is no commit for other tabs (they read the log from the storage).
func (db *DB) PackLog(ctx context.Context) (more bool, err error) {
	err = db.locked(ctx, func() error {
		packed, err := db.readPacked(ctx)
		if err != nil {
			return err
		}
		have := db.replica.Version()
		var writes []Write
		left := packGroups
		for _, actor := range have.Actors() {
			if have.Get(actor)-packed.Get(actor) < packChanges {
				continue
			}
			if left == 0 {
				more = true
				break
			}
			p := packer{actor: actor, upto: packed.Get(actor), left: left}
			if err := p.run(ctx, db.storage); err != nil {
				return err
			}
			more = more || p.left == 0
			left = p.left
			writes = append(writes, p.writes...)
			packed[actor] = p.upto
		}
		if len(writes) == 0 {
			return nil
		}
		b, err := msgpack.Marshal(packed)
		if err != nil {
			return err
		}
		return db.storage.Commit(ctx, append(writes, Write{Store: StoreMeta, Key: metaPacked, Value: b}))
	})
	return more, err
}

func (db *DB) readPacked(ctx context.Context) (crdt.VersionVector, error) {
	b, err := db.storage.Get(ctx, StoreMeta, metaPacked)
	if errors.Is(err, ErrNotFound) {
		return crdt.VersionVector{}, nil
	}
	if err != nil {
		return nil, err
	}
	var v crdt.VersionVector
	if err := msgpack.Unmarshal(b, &v); err != nil || v == nil {
		return nil, fmt.Errorf("stored log packing state: %w", errors.Join(ErrStorage, err))
	}
	return v, nil
}

// packSoon starts background packing passes once packEvery log records
// were written since the last, unless they run already. Call it holding
// db.mu. A failed pass loses nothing; a later one tries again.
func (db *DB) packSoon() {
	if db.packing || db.logWritten < packEvery {
		return
	}
	db.packing, db.logWritten = true, 0
	go func() {
		for {
			more, err := db.PackLog(context.Background())
			if err != nil || !more {
				break
			}
		}
		db.mu.Lock()
		db.packing = false
		db.mu.Unlock()
	}()
}

// packer packs one actor's records above upto.
type packer struct {
	actor  crdt.ActorID
	upto   uint64 // seqs up to here need no packing (advances as groups are written)
	left   int    // packed records this pass may still write
	writes []Write

	keys     []string // the group's records
	payloads [][]byte
	size     int
	last     uint64 // the group's last seq
}

func (p *packer) run(ctx context.Context, s Storage) error {
	// A group spans at most packChanges records: the pass reads no more
	// than it may pack, so it holds the lock briefly even over a long log.
	keys, err := s.Keys(ctx, StoreLog, LogKey(p.actor, p.upto+1), logEnd(p.actor), false, p.left*packChanges)
	if err != nil {
		return err
	}
	values, err := s.GetMany(ctx, StoreLog, keys)
	if err != nil {
		return err
	}
	prev := p.upto
	for i, key := range keys {
		last, err := logSeq(key)
		if err != nil {
			return err
		}
		payloads, err := decodeLogRecord(values[i])
		if err != nil {
			return err
		}
		first := last + 1 - uint64(len(payloads))
		if first != prev+1 { // a hole (a log an older version trimmed): nothing there to pack
			p.flush()
			p.upto = max(p.upto, first-1)
		}
		if len(p.payloads) > 0 && p.size+len(values[i]) > packBytes {
			p.flush()
		}
		if p.left == 0 {
			return nil
		}
		p.keys, p.payloads, p.size, p.last = append(p.keys, key), append(p.payloads, payloads...), p.size+len(values[i]), last
		if len(p.payloads) >= packChanges {
			p.flush()
		}
		prev = last
	}
	return nil // a group short of packChanges waits for more changes
}

// flush writes the group as one packed record and deletes the records it
// replaces (the last shares its key).
func (p *packer) flush() {
	if len(p.payloads) == 0 {
		return
	}
	for _, k := range p.keys[:len(p.keys)-1] {
		p.writes = append(p.writes, Write{Store: StoreLog, Key: k})
	}
	p.writes = append(p.writes, Write{Store: StoreLog, Key: p.keys[len(p.keys)-1], Value: packRecord(p.payloads)})
	p.upto, p.left = p.last, p.left-1
	p.keys, p.payloads, p.size = nil, nil, 0
}

// packRecord returns the packed record of payloads.
func packRecord(payloads [][]byte) []byte {
	size := 0
	for _, p := range payloads {
		size += len(p)
	}
	var b bytes.Buffer
	b.Write([]byte{logRunMark, 0})
	z := flateWriters.Get().(*flate.Writer)
	z.Reset(&b)
	_, _ = z.Write(runRecord(payloads, size)) // writes to a bytes.Buffer do not fail
	_ = z.Close()
	flateWriters.Put(z)
	return b.Bytes()
}

// flateWriters keeps DEFLATE writers for reuse: each holds several hundred
// KB of tables, and a burst of keystrokes packs a record per storage
// commit. They favour speed: that packing is on the commit path, where the
// default level's search for matches was most of its cost, for records
// about 9% smaller (typing).
var flateWriters = sync.Pool{New: func() any {
	z, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return z
}}

// unpackRecord returns the run record a packed record holds (b without
// its two mark bytes).
func unpackRecord(b []byte) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), maxUnpacked+1))
	if err != nil || len(raw) > maxUnpacked || (len(raw) > 1 && raw[0] == logRunMark && raw[1] == 0) {
		return nil, fmt.Errorf("log record: malformed packed run: %w", ErrStorage)
	}
	return raw, nil
}
