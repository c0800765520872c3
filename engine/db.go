package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// keySep separates the collection name from the document id in DocKey. NUL
// sorts before every other character, so a prefix scan of one collection
// never picks up another whose name extends it.
const keySep = '\x00'

// DocKey is the StoreDocs key of document id in collection.
func DocKey(collection, id string) string {
	return collection + string(keySep) + id
}

// DB is one Hearth database: named collections of documents over a Storage.
// It is safe for concurrent use.
type DB struct {
	mu      sync.Mutex
	storage Storage
	closed  bool
}

// Open returns a database over storage. The DB owns storage from then on and
// closes it in Close.
func Open(storage Storage) *DB {
	return &DB{storage: storage}
}

// Put stores doc in collection, replacing any document with the same id.
func (db *DB) Put(ctx context.Context, collection string, doc map[string]any) error {
	if err := ValidateCollection(collection); err != nil {
		return err
	}
	id, err := DocID(doc)
	if err != nil {
		return err
	}
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	return db.commit(ctx, []Write{{Store: StoreDocs, Key: DocKey(collection, id), Value: data}})
}

// Delete removes document id from collection. Deleting a missing document is
// not an error.
func (db *DB) Delete(ctx context.Context, collection, id string) error {
	if err := validateAddress(collection, id); err != nil {
		return err
	}
	return db.commit(ctx, []Write{{Store: StoreDocs, Key: DocKey(collection, id)}})
}

// Get returns document id of collection; ok is false when there is none.
func (db *DB) Get(ctx context.Context, collection, id string) (doc map[string]any, ok bool, err error) {
	if err := validateAddress(collection, id); err != nil {
		return nil, false, err
	}
	storage, err := db.open()
	if err != nil {
		return nil, false, err
	}
	data, err := storage.Get(ctx, StoreDocs, DocKey(collection, id))
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	doc, err = decodeDoc(data)
	return doc, err == nil, err
}

// All returns every document of collection, ordered by id.
func (db *DB) All(ctx context.Context, collection string) ([]map[string]any, error) {
	if err := ValidateCollection(collection); err != nil {
		return nil, err
	}
	storage, err := db.open()
	if err != nil {
		return nil, err
	}
	kvs, err := storage.Scan(ctx, StoreDocs, collection+string(keySep))
	if err != nil {
		return nil, err
	}
	docs := make([]map[string]any, 0, len(kvs))
	for _, kv := range kvs {
		doc, err := decodeDoc(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("document %q: %w", strings.TrimPrefix(kv.Key, collection+string(keySep)), err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// Close closes the database and its storage. Closing twice is not an error.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	return db.storage.Close()
}

func (db *DB) open() (Storage, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil, ErrClosed
	}
	return db.storage, nil
}

// commit holds the lock across the storage commit so that writes reach the
// storage in the order they were made.
func (db *DB) commit(ctx context.Context, writes []Write) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	return db.storage.Commit(ctx, writes)
}

func validateAddress(collection, id string) error {
	if err := ValidateCollection(collection); err != nil {
		return err
	}
	return ValidateID(id)
}

func encodeDoc(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode document: %w", errors.Join(ErrInvalidArgument, err))
	}
	return buf.Bytes(), nil
}

func decodeDoc(data []byte) (map[string]any, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(data))
	dec.UseLooseInterfaceDecoding(true)
	v, err := dec.DecodeInterface()
	if err != nil {
		return nil, fmt.Errorf("decode document: %w", errors.Join(ErrStorage, err))
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("decode document: stored value is %T, not a map: %w", v, ErrStorage)
	}
	return doc, nil
}
