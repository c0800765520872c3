package relay

import (
	"context"
	"fmt"

	"github.com/coder/websocket"
	hsync "github.com/hearthdb/hearth/sync"
)

// WSTransport is a native sync.Transport over a WebSocket, for tests,
// benchmarks and Go programs that sync with a relay. The browser has its
// own in jsbridge/.
type WSTransport struct {
	c *websocket.Conn
}

var _ hsync.Transport = (*WSTransport)(nil)

// Dial connects to a relay's WebSocket endpoint, e.g.
// "ws://127.0.0.1:8787/v1/ws".
func Dial(ctx context.Context, url string) (*WSTransport, error) {
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("hearth/relay: dial %s: %w", url, err)
	}
	c.SetReadLimit(int64(hsync.DefaultLimits.MaxFrame) * 2)
	return &WSTransport{c: c}, nil
}

// Dialer returns a sync.Dialer for url.
func Dialer(url string) hsync.Dialer {
	return func(ctx context.Context) (hsync.Transport, error) { return Dial(ctx, url) }
}

// Send writes one binary frame.
func (t *WSTransport) Send(ctx context.Context, frame []byte) error {
	return t.c.Write(ctx, websocket.MessageBinary, frame)
}

// Recv reads the next frame. Canceling ctx closes the connection.
func (t *WSTransport) Recv(ctx context.Context) ([]byte, error) {
	_, b, err := t.c.Read(ctx)
	return b, err
}

// Close closes the connection.
func (t *WSTransport) Close() error { return t.c.CloseNow() }
