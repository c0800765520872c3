package sync_test

import (
	"errors"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
	"github.com/hearthdb/hearth/sync/synctest"
)

// pushed returns the (actor, last seq) runs of the PUSH frames in msgs.
func pushed(msgs []hsync.Message) crdt.VersionVector {
	var envs []hsync.Envelope
	for _, m := range msgs {
		if p, ok := m.(*hsync.Push); ok {
			envs = append(envs, p.Changes...)
		}
	}
	return hsync.VersionOf(envs)
}

// firstPushed returns the lowest seq pushed per actor.
func firstPushed(msgs []hsync.Message) crdt.VersionVector {
	first := crdt.VersionVector{}
	for _, m := range msgs {
		if p, ok := m.(*hsync.Push); ok {
			for _, e := range p.Changes {
				if f, ok := first[e.Actor]; !ok || e.Seq < f {
					first[e.Actor] = e.Seq
				}
			}
		}
	}
	return first
}

// synced returns a replica that holds me:1..4 and you:1..3 and has seen
// all of them acknowledged by a relay of epoch "e1".
func synced(t *testing.T) *synctest.MemStore {
	st := synctest.NewMemStore("me")
	for range 4 {
		st.Write([]byte("m"))
	}
	you := synctest.NewMemStore("you")
	for range 3 {
		you.Write([]byte("y"))
	}
	envs, _ := you.ChangesSince(nil, 10)
	if err := st.ApplyRemote(envs); err != nil {
		t.Fatal(err)
	}
	_ = st.SetAcked(crdt.VersionVector{"me": 4, "you": 3})
	_ = st.SetEpoch("e1")
	return st
}

// welcomeWith connects a session over st and returns what it pushes after w.
func welcomeWith(t *testing.T, st hsync.LocalStore, w *hsync.Welcome) (*hsync.Session, []hsync.Message) {
	t.Helper()
	s, err := hsync.NewSession(hsync.Config{Space: "s", Window: 10}, st)
	if err != nil {
		t.Fatal(err)
	}
	must(t)(s.Connect())
	return s, must(t)(s.Receive(enc(t, w)))
}

// A relay that lost acknowledged changes is re-seeded with everything it
// lacks, of every actor (docs/PROTOCOL.md §5, "A relay that lost changes").
func TestRelayLossIsReseeded(t *testing.T) {
	cases := []struct {
		name        string
		welcome     *hsync.Welcome
		first, last crdt.VersionVector // pushed runs per actor
		epoch       string             // stored after
	}{
		{"wiped (new epoch, empty)", &hsync.Welcome{Epoch: "e2"},
			crdt.VersionVector{"me": 1, "you": 1}, crdt.VersionVector{"me": 4, "you": 3}, "e2"},
		{"restored backup (same epoch, behind)", &hsync.Welcome{Epoch: "e1", Version: crdt.VersionVector{"me": 2, "you": 1}},
			crdt.VersionVector{"me": 3, "you": 2}, crdt.VersionVector{"me": 4, "you": 3}, "e1"},
		// Another relay's storage acknowledged none of them: all go again,
		// and it acknowledges what it holds as replays (or says seq_conflict).
		{"replaced (new epoch, ahead)", &hsync.Welcome{Epoch: "e3", Version: crdt.VersionVector{"me": 4, "you": 3, "her": 2}},
			crdt.VersionVector{"me": 1, "you": 1}, crdt.VersionVector{"me": 4, "you": 3}, "e3"},
		// A version 1 relay announces no epoch: the vector rule alone.
		{"old relay, behind", &hsync.Welcome{Version: crdt.VersionVector{"you": 2}},
			crdt.VersionVector{"me": 1, "you": 3}, crdt.VersionVector{"me": 4, "you": 3}, "e1"},
		{"nothing lost", &hsync.Welcome{Epoch: "e1", Version: crdt.VersionVector{"me": 4, "you": 3}},
			crdt.VersionVector{}, crdt.VersionVector{}, "e1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := synced(t)
			s, out := welcomeWith(t, st, c.welcome)
			if got := firstPushed(out); !got.Equal(c.first) {
				t.Errorf("pushed from %v, want %v", got, c.first)
			}
			if got := pushed(out); !got.Equal(c.last) {
				t.Errorf("pushed up to %v, want %v", got, c.last)
			}
			if e, _ := st.Epoch(); e != c.epoch {
				t.Errorf("stored epoch %q, want %q", e, c.epoch)
			}
			want := 0
			for a, last := range c.last {
				want += int(last - c.first[a] + 1)
			}
			if p := s.Status().Pending; p != want {
				t.Errorf("pending %d, want %d", p, want)
			}
		})
	}
}

// A replica that never saw an epoch (first contact, or its acknowledged
// vector is from before epochs) takes the relay's and applies the vector
// rule only.
func TestFirstEpochIsAdopted(t *testing.T) {
	st := synced(t)
	_ = st.SetEpoch("")
	_, out := welcomeWith(t, st, &hsync.Welcome{Epoch: "e9", Version: crdt.VersionVector{"me": 4, "you": 3}})
	if len(out) != 0 {
		t.Fatalf("pushed %v to a relay that holds everything", pushed(out))
	}
	if e, _ := st.Epoch(); e != "e9" {
		t.Fatalf("stored epoch %q", e)
	}
}

// A version 2 client meets a version 1 relay: the relay answers
// unsupported_version (in a version 1 frame), the next connection speaks
// version 1, and syncing works as it did with that relay.
func TestOldRelayFallsBackToVersion1(t *testing.T) {
	st := synced(t)
	s, err := hsync.NewSession(hsync.Config{Space: "s"}, st)
	if err != nil {
		t.Fatal(err)
	}
	hello, err := s.Connect()
	if err != nil || hello[0][1] != hsync.SnapshotProtocolVersion-1 {
		t.Fatalf("first HELLO %x, %v", hello, err)
	}
	refusal, _ := hsync.EncodeVersion(&hsync.ErrorMessage{Code: hsync.CodeVersion, Message: "got version 2"}, 1)
	if _, err := s.Receive(refusal); !errors.Is(err, hsync.ErrVersion) {
		t.Fatalf("refusal gave %v", err)
	}
	s.Disconnect(err)
	hello, err = s.Connect()
	if err != nil || hello[0][1] != 1 {
		t.Fatalf("second HELLO %x, %v: want version 1", hello, err)
	}
	welcome, _ := hsync.EncodeVersion(&hsync.Welcome{Version: crdt.VersionVector{"me": 2}}, 1)
	frames, err := s.Receive(welcome)
	if err != nil || len(frames) == 0 || frames[0][1] != 1 {
		t.Fatalf("after a version 1 WELCOME: %x, %v", frames, err)
	}
	if got := pushed(decodeAll(t, frames)); !got.Equal(crdt.VersionVector{"me": 4, "you": 3}) {
		t.Fatalf("pushed %v", got)
	}
	// A relay that speaks neither version keeps refusing: a clear error.
	if _, err := s.Receive(refusal); !errors.Is(err, hsync.ErrUnexpected) && !errors.Is(err, hsync.ErrVersion) {
		t.Fatalf("refusal after welcome: %v", err)
	}
}

// missingStore is a replica whose log lost changes the relay acknowledged
// (trimmed by an older version).
type missingStore struct{ *synctest.MemStore }

func (m missingStore) ChangesSince(vv crdt.VersionVector, limit int) ([]hsync.Envelope, error) {
	if vv.Get("me") < 2 {
		return nil, hsync.ErrHistoryMissing
	}
	return m.MemStore.ChangesSince(vv, limit)
}

// A replica that cannot re-seed what the relay lost says so with
// ErrHistoryMissing (history_missing in the browser), not a network error.
func TestHistoryMissingIsReported(t *testing.T) {
	s, err := hsync.NewSession(hsync.Config{Space: "s"}, missingStore{synced(t)})
	if err != nil {
		t.Fatal(err)
	}
	must(t)(s.Connect())
	if _, err := s.Receive(enc(t, &hsync.Welcome{Epoch: "e2"})); !errors.Is(err, hsync.ErrHistoryMissing) {
		t.Fatalf("err %v, want ErrHistoryMissing", err)
	}
}
