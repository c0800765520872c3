package engine_test

import (
	"testing"

	"github.com/hearthdb/hearth/engine"
	"github.com/hearthdb/hearth/engine/storagetest"
)

func TestMemoryStorageConformance(t *testing.T) {
	stores := map[string]*engine.MemoryStorage{}
	storagetest.Run(t, func(t *testing.T, name string) engine.Storage {
		// Reopening by name shares the data, like a persistent storage.
		prev, ok := stores[name]
		if !ok {
			prev = engine.NewMemoryStorage()
			stores[name] = prev
		}
		return prev.Reopen()
	})
}
