//go:build js && wasm

package jsbridge

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/hack-pad/safejs"

	hsync "github.com/hearthdb/hearth/sync"
)

// longPoll is how long a fetch-transport request waits at the relay for
// changes when there is nothing to send.
const longPoll = 25 * time.Second

// syncer runs one database's sync session and fans its status out to JS
// subscribers. Without a session (before connect(), after disconnect())
// the status is offline with the engine's pending count, kept current at
// every commit.
type syncer struct {
	mu      sync.Mutex
	session *hsync.Session
	stop    func() // ends the session's run and its status feed
	pending func() int
	status  map[string]any
	subs    map[int]safejs.Value
}

func newSyncer(pending func() int) *syncer {
	return &syncer{pending: pending, status: statusMap(hsync.Status{Pending: pending()}), subs: map[int]safejs.Value{}}
}

// notify tells a running session that the database has new local changes;
// without one, it publishes the new pending count.
func (s *syncer) notify() {
	s.mu.Lock()
	sess := s.session
	s.mu.Unlock()
	if sess != nil {
		sess.Notify()
		return
	}
	s.publishOffline()
}

// publishOffline publishes the status of a syncer without a session.
func (s *syncer) publishOffline() {
	s.publish(hsync.Status{State: hsync.Offline, Pending: s.pending()})
}

// syncOptions are the fields of db.sync.connect()'s argument; provider,
// when set, is connect()'s token function (it replaces token).
type syncOptions struct {
	url, space, token, transport string
	provider                     safejs.Value
	hasProvider                  bool
}

func parseSyncOptions(v any) (syncOptions, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return syncOptions{}, invalid("sync.connect() takes an options object {url, space, token?, transport?}")
	}
	o := syncOptions{transport: "websocket"}
	for key, dst := range map[string]*string{"url": &o.url, "space": &o.space, "token": &o.token, "transport": &o.transport} {
		if v, ok := m[key]; ok && v != nil {
			s, ok := v.(string)
			if !ok {
				return o, invalid("sync option %s must be a string", key)
			}
			*dst = s
		}
	}
	switch {
	case !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://"):
		return o, invalid("sync url must start with http:// or https://, got %q", o.url)
	case o.space == "":
		return o, invalid("sync space is empty")
	case o.transport != "websocket" && o.transport != "fetch":
		return o, invalid("sync transport must be \"websocket\" or \"fetch\", got %q", o.transport)
	}
	o.url = strings.TrimSuffix(o.url, "/")
	return o, nil
}

// connect starts (or restarts) the session for d.
func (s *syncer) connect(d *database, o syncOptions) error {
	s.disconnect()
	ctx, cancel := context.WithCancel(context.Background())
	token := func() (string, error) { return o.token, nil }
	if o.hasProvider {
		token = tokenFrom(ctx, o.provider)
	}
	// What a relay acknowledged is kept per relay and space.
	store := d.db.SyncStore(context.Background(), o.url+"\x00"+o.space)
	sess, err := hsync.NewSession(hsync.Config{Space: o.space, Token: token}, store)
	if err != nil {
		cancel()
		return err
	}
	unsubscribe := sess.Subscribe(s.publish)
	s.mu.Lock()
	s.session = sess
	s.stop = func() {
		unsubscribe() // a stopped session's last words must not overwrite its successor's status
		cancel()
		s.publishOffline()
	}
	s.mu.Unlock()
	// Run and RunPoll return early only on a permanent error (seq_conflict);
	// the session's status then stays offline with it as lastError.
	go func() {
		if o.transport == "fetch" {
			_ = sess.RunPoll(ctx, fetchPoller{url: o.url + "/v1/sync"}, longPoll)
		} else {
			_ = sess.Run(ctx, dialWebSocket("ws"+strings.TrimPrefix(o.url, "http")+"/v1/ws"))
		}
	}()
	return nil
}

// disconnect stops the session, if any; the status goes offline.
func (s *syncer) disconnect() {
	s.mu.Lock()
	stop := s.stop
	s.session, s.stop = nil, nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// publish records a session status and calls every JS subscriber.
func (s *syncer) publish(st hsync.Status) {
	m := statusMap(st)
	s.mu.Lock()
	s.status = m
	subs := make([]safejs.Value, 0, len(s.subs))
	for _, cb := range s.subs {
		subs = append(subs, cb)
	}
	s.mu.Unlock()
	for _, cb := range subs {
		call(cb, m)
	}
}

func (s *syncer) subscribe(id int, cb safejs.Value) {
	s.mu.Lock()
	s.subs[id] = cb
	m := s.status
	s.mu.Unlock()
	call(cb, m)
}

func (s *syncer) unsubscribe(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs, id)
}

// statusMap is the JS form of a status: {state, pending, lastError}, where
// lastError is null or {code, message} with code hsync.ErrorCode's stable
// name ("unauthorized", "token_expired", "storage", "network", ...).
func statusMap(st hsync.Status) map[string]any {
	m := map[string]any{"state": st.State.String(), "pending": float64(st.Pending), "lastError": nil}
	if st.LastError != nil {
		m["lastError"] = map[string]any{"code": hsync.ErrorCode(st.LastError), "message": st.LastError.Error()}
	}
	return m
}

// The exported sync methods.

func (r *registry) syncConnect(_ context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	if len(args) < 2 {
		return nil, invalid("sync options are missing")
	}
	v, err := toGo(args[1])
	if err != nil {
		return nil, err
	}
	o, err := parseSyncOptions(v)
	if err != nil {
		return nil, err
	}
	if len(args) > 2 && !args[2].IsUndefined() {
		if o.provider, err = funcArg(args, 2); err != nil {
			return nil, invalid("sync token must be a string or a function returning one")
		}
		o.hasProvider = true
	}
	return nil, d.sync.connect(d, o)
}

func (r *registry) syncDisconnect(_ context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	d.sync.disconnect()
	return nil, nil
}

// syncSubscribe calls args[1] with the sync status now and at every change;
// it resolves to a subscription id for unsubscribe.
func (r *registry) syncSubscribe(_ context.Context, args []safejs.Value) (any, error) {
	d, err := r.get(args)
	if err != nil {
		return nil, err
	}
	cb, err := funcArg(args, 1)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	id := r.id()
	d.subs[id] = func() { d.sync.unsubscribe(id) }
	r.mu.Unlock()
	d.sync.subscribe(id, cb)
	return float64(id), nil
}
