//go:build js && wasm

package main

import (
	"context"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain/node"
)

// firstSnapshotWait caps how long the page's first snapshot waits for the
// node to ask the room for blocks: in a room with nothing to fetch the
// page shows "loading" that much longer.
const firstSnapshotWait = 300 * time.Millisecond

// askGate holds the page's first snapshot until the node has asked a
// peer for blocks. The first snapshot runs the view model's and
// encoding/json's code for the first time (50–70 ms of a cold tab's one
// thread, against 2–10 ms later), and Go in wasm runs a goroutine to its
// next wait: taken before the node's first getblocks, it held the sync
// back by that long. Taken after, it runs while the room's answer is on
// its way.
type askGate struct {
	once  sync.Once
	asked chan struct{}
}

func newAskGate() *askGate { return &askGate{asked: make(chan struct{})} }

// wait returns once the node has sent a getblocks, or after
// firstSnapshotWait.
func (g *askGate) wait() {
	select {
	case <-g.asked:
	case <-time.After(firstSnapshotWait):
	}
}

// watch wraps dial so that the transports it returns open the gate on
// their first getblocks.
func (g *askGate) watch(dial func(context.Context) (node.Transport, error)) func(context.Context) (node.Transport, error) {
	return func(ctx context.Context) (node.Transport, error) {
		t, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		return askWatch{Transport: t, gate: g}, nil
	}
}

// askWatch is a Transport that tells its gate of a getblocks it sends.
type askWatch struct {
	node.Transport
	gate *askGate
}

func (w askWatch) Send(ctx context.Context, m node.Message) error {
	if m.Type == node.TypeGetBlocks {
		w.gate.once.Do(func() { close(w.gate.asked) })
	}
	return w.Transport.Send(ctx, m)
}
