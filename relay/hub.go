package relay

import "sync"

// hub wakes the listeners of a space (WebSocket writers, HTTP long-polls)
// when changes were stored in it. A wake-up carries no data: listeners read
// the store, so a missed or merged wake-up loses nothing.
type hub struct {
	mu     sync.Mutex
	spaces map[string]map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{spaces: map[string]map[chan struct{}]struct{}{}} }

// listen returns a channel that receives after every notify of space, until
// cancel is called.
func (h *hub) listen(space string) (ch chan struct{}, cancel func()) {
	ch = make(chan struct{}, 1)
	h.mu.Lock()
	if h.spaces[space] == nil {
		h.spaces[space] = map[chan struct{}]struct{}{}
	}
	h.spaces[space][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.spaces[space], ch)
		if len(h.spaces[space]) == 0 {
			delete(h.spaces, space)
		}
		h.mu.Unlock()
	}
}

// notify wakes every listener of space without blocking.
func (h *hub) notify(space string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.spaces[space] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
