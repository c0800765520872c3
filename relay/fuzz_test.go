package relay_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthdb/hearth/crdt"
	"github.com/hearthdb/hearth/relay"
	hsync "github.com/hearthdb/hearth/sync"
)

func frames(msgs ...hsync.Message) []byte {
	var buf bytes.Buffer
	for _, m := range msgs {
		_ = hsync.AppendTo(&buf, m)
	}
	return buf.Bytes()
}

func env(actor string, seq uint64) hsync.Envelope {
	return hsync.Envelope{Actor: crdt.ActorID(actor), Seq: seq, Payload: []byte("p")}
}

// FuzzSyncRequest posts outside bytes to POST /v1/sync of an open relay:
// the relay must never panic, must answer a known status with a body of
// valid frames, and must keep every space consistent (Store.Check),
// snapshots and dropped history included.
func FuzzSyncRequest(f *testing.F) {
	hello := &hsync.Hello{Space: "s", Version: crdt.VersionVector{}}
	f.Add(frames(hello))
	f.Add(frames(hello, &hsync.Push{ID: 1, Changes: []hsync.Envelope{env("a", 1), env("a", 2), env("b", 1)}}))
	f.Add(frames(hello, &hsync.Push{ID: 1, Changes: []hsync.Envelope{env("a", 1)}}, &hsync.Push{ID: 2, Changes: []hsync.Envelope{env("a", 3)}}))
	f.Add(frames(&hsync.Push{ID: 1, Changes: []hsync.Envelope{env("a", 1)}}))
	f.Add([]byte{0x92, 0x02, 0x01})
	v3 := &hsync.Hello{Space: "s", Version: crdt.VersionVector{}, Proto: 3}
	f.Add(frames(v3))
	f.Add(frames(&hsync.Hello{Space: "s", Version: crdt.VersionVector{"a": 3}, Proto: 3}, &hsync.Push{ID: 1, Changes: []hsync.Envelope{env("a", 4)}}))
	f.Add(frames(v3, &hsync.Snapshot{ID: 1, Version: crdt.VersionVector{"a": 1}, Total: 1, Chunk: []byte{1}}))
	st, err := relay.OpenStore(filepath.Join(f.TempDir(), "fuzz.db"), relay.StoreOptions{NoSync: true, BatchDelay: -1})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	r, err := relay.New(relay.Config{Store: st, Open: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	// Space "t" holds a snapshot and dropped the history it covers: a
	// HELLO for it gets the snapshot (version 3) or history_dropped.
	if _, err := st.Append("t", []hsync.Envelope{env("a", 1), env("a", 2), env("a", 3)}); err != nil {
		f.Fatal(err)
	}
	info, err := st.PutSnapshot("t", crdt.VersionVector{"a": 2}, bytes.Repeat([]byte("snap"), 1000), time.Now())
	if err == nil {
		_, err = st.DropCovered("t", info.Gen)
	}
	if err != nil {
		f.Fatal(err)
	}
	f.Add(frames(&hsync.Hello{Space: "t", Version: crdt.VersionVector{}, Proto: 3}))
	f.Add(frames(&hsync.Hello{Space: "t", Version: crdt.VersionVector{}, Proto: 2}))
	f.Fuzz(func(t *testing.T, body []byte) {
		hello, _, err := relay.ParseSyncRequest(body, hsync.DefaultLimits)
		if err != nil && hsync.CodeOf(err) == hsync.CodeInternal {
			t.Fatalf("parse error %v has no protocol code", err)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/sync", bytes.NewReader(body)))
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusRequestEntityTooLarge && w.Code != http.StatusGone {
			t.Fatalf("status %d: %x", w.Code, w.Body.Bytes())
		}
		if _, err := hsync.DecodeStream(w.Body.Bytes(), hsync.DefaultLimits, 100); err != nil {
			t.Fatalf("response does not decode: %v", err)
		}
		if hello != nil {
			if err := st.Check(hello.Space); err != nil {
				t.Fatal(err)
			}
		}
	})
}
