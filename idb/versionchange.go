//go:build js && wasm

package idb

import (
	"sync"

	"github.com/hack-pad/safejs"
)

// watchVersionChange opens a second, raw connection to database whose only
// job is to hear "versionchange": another tab opening a newer schema, or
// deleting the database. go-indexeddb exposes no events of a connection, so
// without it this tab would hold its connection and block the other one.
// onChange runs once; the returned function stops watching.
func watchVersionChange(database string, onChange func()) func() {
	var (
		conn   safejs.Value
		opened bool
		funcs  []safejs.Func
		once   sync.Once
	)
	stop := func() {
		once.Do(func() {
			if opened {
				_, _ = conn.Call("close")
			}
			for _, f := range funcs {
				f.Release()
			}
		})
	}
	factory, err := safejs.Global().Get("indexedDB")
	if err != nil {
		return stop
	}
	req, err := factory.Call("open", database)
	if err != nil {
		return stop
	}
	onVersionChange, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		stop()
		onChange()
		return nil
	})
	if err != nil {
		return stop
	}
	onSuccess, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		if c, err := req.Get("result"); err == nil {
			conn, opened = c, true
			_ = c.Set("onversionchange", onVersionChange.Value())
		}
		return nil
	})
	if err != nil {
		onVersionChange.Release()
		return stop
	}
	funcs = append(funcs, onVersionChange, onSuccess)
	_ = req.Set("onsuccess", onSuccess.Value())
	return stop
}
