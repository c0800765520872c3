package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// MemoryStorage is a Storage held in memory, for native tests and for apps
// that want no persistence.
type MemoryStorage struct {
	data   *memoryData
	closed bool // guarded by data.mu
}

// memoryData is the content of a MemoryStorage, shared by its reopened
// handles.
type memoryData struct {
	mu     sync.Mutex
	stores map[string]map[string][]byte
}

// NewMemoryStorage returns an empty MemoryStorage with every engine store.
func NewMemoryStorage() *MemoryStorage {
	d := &memoryData{stores: make(map[string]map[string][]byte)}
	for _, s := range Stores {
		d.stores[s] = make(map[string][]byte)
	}
	return &MemoryStorage{data: d}
}

// Reopen returns a new open handle on the same content, as reopening a
// persistent storage after Close would.
func (m *MemoryStorage) Reopen() *MemoryStorage {
	return &MemoryStorage{data: m.data}
}

func (m *MemoryStorage) store(name string) (map[string][]byte, error) {
	if m.closed {
		return nil, ErrClosed
	}
	s, ok := m.data.stores[name]
	if !ok {
		return nil, fmt.Errorf("unknown store %q: %w", name, ErrStorage)
	}
	return s, nil
}

// Get implements Storage.
func (m *MemoryStorage) Get(_ context.Context, store, key string) ([]byte, error) {
	m.data.mu.Lock()
	defer m.data.mu.Unlock()
	s, err := m.store(store)
	if err != nil {
		return nil, err
	}
	v, ok := s[key]
	if !ok {
		return nil, fmt.Errorf("%s/%q: %w", store, key, ErrNotFound)
	}
	return slices.Clone(v), nil
}

// GetMany implements Storage.
func (m *MemoryStorage) GetMany(_ context.Context, store string, keys []string) ([][]byte, error) {
	m.data.mu.Lock()
	defer m.data.mu.Unlock()
	s, err := m.store(store)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok := s[k]; ok {
			out[i] = slices.Clone(v)
		}
	}
	return out, nil
}

// Scan implements Storage.
func (m *MemoryStorage) Scan(_ context.Context, store, prefix string) ([]KV, error) {
	m.data.mu.Lock()
	defer m.data.mu.Unlock()
	s, err := m.store(store)
	if err != nil {
		return nil, err
	}
	var out []KV
	for k, v := range s {
		if strings.HasPrefix(k, prefix) {
			out = append(out, KV{Key: k, Value: slices.Clone(v)})
		}
	}
	slices.SortFunc(out, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Keys implements Storage.
func (m *MemoryStorage) Keys(_ context.Context, store, lo, hi string, reverse bool, limit int) ([]string, error) {
	m.data.mu.Lock()
	defer m.data.mu.Unlock()
	s, err := m.store(store)
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range s {
		if k >= lo && (hi == "" || k < hi) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	if reverse {
		slices.Reverse(out)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Commit implements Storage. It checks every write before applying any, so a
// bad batch leaves nothing behind.
func (m *MemoryStorage) Commit(_ context.Context, writes []Write) error {
	m.data.mu.Lock()
	defer m.data.mu.Unlock()
	for _, w := range writes {
		if _, err := m.store(w.Store); err != nil {
			return err
		}
	}
	for _, w := range writes {
		if w.Value == nil {
			delete(m.data.stores[w.Store], w.Key)
		} else {
			m.data.stores[w.Store][w.Key] = slices.Clone(w.Value)
		}
	}
	return nil
}

// Close implements Storage.
func (m *MemoryStorage) Close() error {
	m.data.mu.Lock()
	defer m.data.mu.Unlock()
	m.closed = true
	return nil
}
