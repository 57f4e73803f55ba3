//go:build !js

// Package natsbus shares the rooms of relay processes over NATS: Bus is
// a relay.Bus on a nats.go connection, and Embedded starts a NATS server
// (with JetStream, and cluster routes if asked) inside the process, for
// a small deployment and for tests. docs/cluster.md has the design.
//
// A room's traffic goes on the subject PREFIX.room.ROOM (PREFIX is
// "chainplay" unless New is given another): every relay process with
// peers in the room subscribes to it and publishes its peers' frames on
// it, inside the relay's envelope (relay.Bus). Core NATS is at most
// once and in order per publisher, which is what the relay asks of a
// Bus; the relay's beats repair a lost presence message.
package natsbus

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/chainplay/chainplay/relay"
)

// DefaultPrefix is the first token of every subject Bus uses.
const DefaultPrefix = "chainplay"

// Bus is a relay.Bus over one NATS connection. It is safe for concurrent
// use. It does not own the connection: close it after the relay.
type Bus struct {
	nc     *nats.Conn
	prefix string
}

var _ relay.Bus = (*Bus)(nil)

// ErrBadPrefix is returned by New for a prefix that is not one NATS
// subject token.
var ErrBadPrefix = errors.New("natsbus: bad subject prefix")

// New returns a Bus on nc whose subjects start with prefix (""
// means DefaultPrefix). A prefix is one subject token: 1 to 32 of a-z,
// A-Z, 0-9, '-' and '_', so two deployments can share a NATS server.
func New(nc *nats.Conn, prefix string) (*Bus, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !validToken(prefix) {
		return nil, fmt.Errorf("%w: %q", ErrBadPrefix, prefix)
	}
	return &Bus{nc: nc, prefix: prefix}, nil
}

func validToken(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Subject returns the subject of room's traffic.
func (b *Bus) Subject(room string) string { return b.prefix + ".room." + room }

// Publish publishes msg on room's subject. It only buffers: nats.go
// writes on its own goroutine (and buffers while reconnecting).
func (b *Bus) Publish(room string, msg []byte) error {
	if !relay.ValidRoomName(room) {
		return fmt.Errorf("natsbus: publish: %w %q", relay.ErrInvalidRoom, room)
	}
	return b.nc.Publish(b.Subject(room), msg)
}

// Subscribe delivers every message on room's subject to deliver, on the
// subscription's own goroutine, in order. A subscriber that falls
// further behind than nats.go's pending limits loses messages (a slow
// consumer), which the relay treats as a lossy network.
func (b *Bus) Subscribe(room string, deliver func(msg []byte)) (func(), error) {
	if !relay.ValidRoomName(room) {
		return nil, fmt.Errorf("natsbus: subscribe: %w %q", relay.ErrInvalidRoom, room)
	}
	sub, err := b.nc.Subscribe(b.Subject(room), func(m *nats.Msg) { deliver(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("natsbus: subscribe %s: %w", room, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
