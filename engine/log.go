package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hearthdb/hearth/crdt"
)

// The change log (StoreLog) is what sync sends, and it keeps every change
// (logpack.go says why, and how it stays small). IndexedDB charges for
// every record written, so a storage commit writes one log record per
// actor, holding the run of that actor's changes it stores: keyed by the
// last change's seq (LogKey), so that the first record holding a seq is
// the first key at or after it. A record of one change is that change's
// encoding (crdt.EncodeChange), as sync sends it; a record of several
// starts with logRunMark, a byte no msgpack encoding starts with, then the
// count and each change's encoding with its length. A packed record
// (logpack.go) starts with logRunMark and a zero count: a background pass
// packs runs of small records, and a record of packFrom bytes or more (a
// burst of keystrokes is one change of many edits that share most of
// their bytes) is written packed.

// logRunMark opens a log record of several changes (0xc1 is never used
// by msgpack).
const logRunMark = 0xc1

// logRun is an actor's run of changes waiting for the next storage commit.
type logRun struct {
	actor    crdt.ActorID
	last     uint64
	payloads [][]byte
}

// queueLog adds c to the log records of the next storage commit. An
// actor's changes arrive in seq order; a change that does not follow its
// run starts a new one. It returns c encoded.
func (db *DB) queueLog(c *crdt.Change) []byte {
	if c.Seq > db.acked.Get(c.Actor) {
		db.unacked++ // every change enters the log here: Pending() stays a counter
	}
	b := crdt.EncodeChange(c)
	if n := len(db.logRuns); n > 0 {
		for i := n - 1; i >= 0; i-- {
			r := &db.logRuns[i]
			if r.actor == c.Actor {
				if r.last+1 == c.Seq {
					r.last, r.payloads = c.Seq, append(r.payloads, b)
					return b
				}
				break
			}
		}
	}
	db.logRuns = append(db.logRuns, logRun{actor: c.Actor, last: c.Seq, payloads: [][]byte{b}})
	return b
}

// logWrites returns the log records of the queued runs and empties them.
// Call it holding db.mu, as a batch is taken.
func (db *DB) logWrites() []Write {
	writes := make([]Write, len(db.logRuns))
	for i, r := range db.logRuns {
		writes[i] = Write{Store: StoreLog, Key: LogKey(r.actor, r.last), Value: encodeLogRecord(r.payloads)}
	}
	db.logRuns = db.logRuns[:0]
	db.logWritten += len(writes)
	return writes
}

// packFrom is the size from which a log record is written packed.
const packFrom = 1 << 10

// encodeLogRecord returns the log record of payloads: packed from packFrom
// bytes on, else runRecord.
func encodeLogRecord(payloads [][]byte) []byte {
	size := 0
	for _, p := range payloads {
		size += len(p)
	}
	if size >= packFrom {
		return packRecord(payloads)
	}
	return runRecord(payloads, size)
}

// runRecord returns the record of payloads, size bytes in all: the change
// itself, or a run of several.
func runRecord(payloads [][]byte, size int) []byte {
	if len(payloads) == 1 {
		return payloads[0]
	}
	b := append(make([]byte, 0, size+(1+len(payloads))*binary.MaxVarintLen64+1), logRunMark)
	b = binary.AppendUvarint(b, uint64(len(payloads)))
	for _, p := range payloads {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// decodeLogRecord returns the encoded changes of a log record, oldest first.
func decodeLogRecord(b []byte) ([][]byte, error) {
	if len(b) == 0 || b[0] != logRunMark {
		return [][]byte{b}, nil
	}
	if len(b) > 1 && b[1] == 0 {
		raw, err := unpackRecord(b[2:])
		if err != nil {
			return nil, err
		}
		b = raw
		if len(b) == 0 || b[0] != logRunMark {
			return [][]byte{b}, nil
		}
	}
	bad := fmt.Errorf("log record: malformed run: %w", ErrStorage)
	b = b[1:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count < 2 || count > uint64(len(b)) {
		return nil, bad
	}
	b = b[n:]
	out := make([][]byte, 0, count)
	for range count {
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return nil, bad
		}
		out = append(out, b[n:n+int(size)])
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return nil, bad
	}
	return out, nil
}

// catchUp brings r, loaded from the stored replica metadata (metaReplica),
// up to the local actor's last change in the log. A storage commit of
// local changes alone does not store the metadata (flush): the log says
// the same, and IndexedDB charges for every value written.
func (db *DB) catchUp(ctx context.Context, r *crdt.Replica) error {
	from := r.Version().Get(db.actor) + 1
	keys, err := db.storage.Keys(ctx, StoreLog, LogKey(db.actor, from), string(db.actor)+"\x01", true, 1)
	if err != nil || len(keys) == 0 {
		return err
	}
	b, err := db.storage.Get(ctx, StoreLog, keys[0])
	if err != nil {
		return err
	}
	payloads, err := decodeLogRecord(b)
	if err != nil {
		return err
	}
	c, err := crdt.DecodeChange(payloads[len(payloads)-1])
	if err != nil {
		return fmt.Errorf("log record %q: %w", keys[0], errors.Join(ErrStorage, err))
	}
	return r.CatchUp(c)
}
