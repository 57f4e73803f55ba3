package node

import "context"

// Transport carries messages between a node and its room. Implementations
// are the websocket client of the relay (ws.go) and the in-memory room of
// package nodetest for tests.
type Transport interface {
	// Send delivers m to m.To, or to every other peer of the room when
	// m.To is empty. It may block until the frame is written or ctx ends.
	Send(ctx context.Context, m Message) error
	// Recv returns the next message from the room. It returns an error
	// once the transport is closed or broken.
	Recv(ctx context.Context) (Message, error)
	// Close ends the connection.
	Close() error
}
