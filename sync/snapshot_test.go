package sync_test

import (
	"errors"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

// A session over a SnapshotStore speaks version 3: it takes a relay's
// snapshot sent in pieces before the changes after it (its own offline
// change stays and is pushed), refuses another message between the
// pieces, and uploads a snapshot once synced when the relay asks, then
// again only after more is acknowledged.
func TestSessionSnapshotRoundTrip(t *testing.T) {
	writer := synctest.NewSnapStore("w")
	for range 300 {
		writer.Write(randomBytes(700))
	}
	vv, blob, err := writer.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	st := synctest.NewSnapStore("me")
	st.Write([]byte("offline"))
	s := newSession(t, st)
	hello := must(t)(s.Connect())[0].(*hsync.Hello)
	if hello.Proto != hsync.ProtocolVersion {
		t.Fatalf("HELLO in version %d", hello.Proto)
	}
	w := &hsync.Welcome{Version: vv.Clone(), MaxFrame: 64 << 10, MaxBatch: 1000, MaxChange: 1 << 20, Proto: 3,
		Snapshot: vv, SnapshotAfter: 1, MaxSnapshot: 1 << 20}
	w.Version["w"]++ // one change after the snapshot
	push := must(t)(s.Receive(enc(t, w)))
	if len(push) != 1 || !pushed(push).Equal(crdt.VersionVector{"me": 1}) {
		t.Fatalf("pushed %v", push)
	}
	pieces := hsync.SplitSnapshot(vv, blob, 0, hsync.Limits{MaxFrame: 64 << 10})
	if len(pieces) < 3 {
		t.Fatalf("%d pieces", len(pieces))
	}
	for _, p := range pieces {
		must(t)(s.Receive(enc(t, p)))
	}
	if st.Applied != 1 || !st.Version().Equal(crdt.VersionVector{"w": 300, "me": 1}) {
		t.Fatalf("applied %d, version %v", st.Applied, st.Version())
	}
	after := writer.Write([]byte("after"))
	must(t)(s.Receive(enc(t, &hsync.Changes{Changes: []hsync.Envelope{after}, Done: true})))
	up := must(t)(s.Receive(enc(t, &hsync.Ack{ID: 1, Version: crdt.VersionVector{"me": 1}})))
	if len(up) == 0 {
		t.Fatal("no upload once synced")
	}
	asm := hsync.SnapshotAssembler{Lim: hsync.Limits{MaxFrame: 64 << 10}} // the relay's frame limit, as it announced
	var got *hsync.Snapshot
	for _, m := range up {
		whole, done, err := asm.Add(m.(*hsync.Snapshot))
		if err != nil {
			t.Fatal(err)
		}
		if done {
			got = whole
		}
	}
	if got == nil || got.ID != 2 || !got.Version.Equal(crdt.VersionVector{"w": 301, "me": 1}) {
		t.Fatalf("upload %+v", got)
	}
	other := synctest.NewSnapStore("x")
	if err := other.ApplySnapshot(got.Version, got.Chunk); err != nil || !other.Same(st.MemStore) {
		t.Fatalf("uploaded snapshot does not rebuild the replica: %v", err)
	}
	if again := must(t)(s.Receive(enc(t, &hsync.Ack{ID: 2, Version: got.Version}))); len(again) != 0 {
		t.Fatalf("uploaded again with nothing new: %d frames", len(again))
	}

	// A message between the pieces of a snapshot ends the connection.
	s2 := newSession(t, synctest.NewSnapStore("me2"))
	must(t)(s2.Connect())
	must(t)(s2.Receive(enc(t, w)))
	must(t)(s2.Receive(enc(t, pieces[0])))
	if _, err := s2.Receive(enc(t, &hsync.Changes{Done: true})); !errors.Is(err, hsync.ErrUnexpected) {
		t.Fatalf("CHANGES between snapshot pieces: %v", err)
	}
}

// A version 3 client meets a version 2 relay, then a version 1 one: each
// refusal steps its HELLO one version down.
func TestSnapshotClientFallsBackStepwise(t *testing.T) {
	s := newSession(t, synctest.NewSnapStore("me"))
	refusal, _ := hsync.EncodeVersion(&hsync.ErrorMessage{Code: hsync.CodeVersion}, 1)
	for _, want := range []uint64{3, 2, 1} {
		hello := must(t)(s.Connect())[0].(*hsync.Hello)
		if hello.Proto != want {
			t.Fatalf("HELLO in version %d, want %d", hello.Proto, want)
		}
		_, err := s.Receive(refusal)
		s.Disconnect(err)
	}
}
