package engine

import (
	"fmt"
	"strings"

	"github.com/hearthdb/hearth/crdt"
)

// keySep separates the parts of a key. NUL sorts before every other
// character, so a prefix scan of one collection never picks up another whose
// name extends it.
const keySep = "\x00"

// Meta keys.
const (
	metaActor   = "actor"   // this database's actor id, made on first open
	metaReplica = "replica" // crdt.Replica.EncodeMeta: clock, version vector, counters
	metaCommit  = "commit"  // count of commits by any tab; a change means another tab wrote
)

// DocKey is the StoreDocs and StoreState key of document id in collection.
func DocKey(collection, id string) string {
	return collection + keySep + id
}

// collectionPrefix is the key prefix of every document of collection.
func collectionPrefix(collection string) string { return collection + keySep }

// splitDocKey is the inverse of DocKey.
func splitDocKey(key string) (collection, id string, ok bool) {
	return strings.Cut(key, keySep)
}

// LogKey is the StoreLog key of change seq of actor: fixed-width hex keeps
// one actor's changes in seq order.
func LogKey(actor crdt.ActorID, seq uint64) string {
	return fmt.Sprintf("%s%s%016x", actor, keySep, seq)
}

// validateCollection checks that name can name a collection.
func validateCollection(name string) error {
	if name == "" {
		return fmt.Errorf("collection name is empty: %w", ErrInvalidArgument)
	}
	if strings.Contains(name, keySep) {
		return fmt.Errorf("collection name %q contains a NUL character: %w", name, ErrInvalidArgument)
	}
	return nil
}

// validateAddress checks a collection name and a document id.
func validateAddress(collection, id string) error {
	if err := validateCollection(collection); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("document id is empty: %w", ErrInvalidArgument)
	}
	return nil
}

// logSeq returns the seq of a LogKey.
func logSeq(key string) (uint64, error) {
	_, hex, ok := strings.Cut(key, keySep)
	var seq uint64
	if !ok || len(hex) != 16 {
		return 0, fmt.Errorf("log key %q: %w", key, ErrStorage)
	}
	if _, err := fmt.Sscanf(hex, "%016x", &seq); err != nil {
		return 0, fmt.Errorf("log key %q: %w", key, ErrStorage)
	}
	return seq, nil
}
