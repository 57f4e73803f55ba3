package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"nhooyr.io/websocket"
)

// wsTransport is a Transport over a websocket to the relay. The same code
// runs natively and in the browser (the websocket library wraps the
// browser's WebSocket under GOOS=js).
type wsTransport struct {
	c  *websocket.Conn
	mu sync.Mutex // serializes writes
}

// DialRelay joins a relay room at roomURL (ws:// or wss://…/ws/ROOM) under
// a nickname. When the server refuses the URL's ?epoch= with 409 Conflict
// (the room was reset since), the error wraps ErrRoomReset; a browser
// does not show the status, so there it is a plain dial error.
func DialRelay(ctx context.Context, roomURL, name string) (Transport, error) {
	u, err := url.Parse(roomURL)
	if err != nil {
		return nil, fmt.Errorf("node: relay url %q: %w", roomURL, err)
	}
	q := u.Query()
	q.Set("name", name)
	u.RawQuery = q.Encode()
	c, res, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil && res != nil && res.StatusCode == http.StatusConflict {
		return nil, fmt.Errorf("node: dial relay %s: %w (%v)", roomURL, ErrRoomReset, err)
	}
	if err != nil {
		return nil, fmt.Errorf("node: dial relay %s: %w", roomURL, err)
	}
	c.SetReadLimit(MaxMessageSize)
	return &wsTransport{c: c}, nil
}

func (t *wsTransport) Send(ctx context.Context, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.c.Write(ctx, websocket.MessageText, b)
}

func (t *wsTransport) Recv(ctx context.Context) (Message, error) {
	_, b, err := t.c.Read(ctx)
	if err != nil {
		return Message{}, err
	}
	m, err := decodeEnvelope(b)
	if err != nil {
		return Message{Type: typeMalformed, Body: b[:min(len(b), 200)]}, nil
	}
	return m, nil
}

func (t *wsTransport) Close() error {
	return t.c.Close(websocket.StatusNormalClosure, "bye")
}

// disconnectReason is a short word for why a transport ended: the reason
// of a websocket close frame (the relay sends a code such as
// "rate-limited" or "kicked"), else "closed" or "lost".
func disconnectReason(err error) string {
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Reason != "":
		return ce.Reason
	case errors.As(err, &ce):
		return ReasonClosed
	case errors.Is(err, context.Canceled):
		return ReasonStopped
	}
	return ReasonLost
}
