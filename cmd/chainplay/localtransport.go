//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// localTransport adapts an in-process relay connection to node.Transport,
// so an archive peer joins its room exactly as a tab does but without a
// socket. The relay stays ignorant of package node: this adapter is the
// only place where the two meet.
type localTransport struct {
	lc *relay.LocalConn
}

// Send encodes m as the relay's client frame and hands it to the room. It
// never blocks.
func (t localTransport) Send(ctx context.Context, m node.Message) error {
	m.From = "" // the relay fills it in
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("chainplay: encode %s: %w", m.Type, err)
	}
	return t.lc.Send(ctx, b)
}

// Recv returns the next frame from the room. Frames are the relay's own
// JSON, so one that does not decode is a bug; it is skipped. They are in
// the relay's layout, so node.DecodeMessage skips scanning their bodies:
// a hostile 1 MB frame costs the archive one scan (its body's decoder),
// not two.
func (t localTransport) Recv(ctx context.Context) (node.Message, error) {
	for {
		b, err := t.lc.Recv(ctx)
		if err != nil {
			return node.Message{}, err
		}
		if m, err := node.DecodeMessage(b); err == nil {
			return m, nil
		}
	}
}

// Close leaves the room.
func (t localTransport) Close() error { return t.lc.Close() }
