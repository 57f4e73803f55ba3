package node

import (
	"context"
	"errors"
	"time"
)

// MineLoop mines block after block with the configured Miner until ctx
// ends. A new tip (from the room or a reorg) abandons the current
// template at once, and a template is rebuilt at least every refresh so
// new transactions and a fresh timestamp get in. It returns ctx's error.
func (n *Node) MineLoop(ctx context.Context, refresh time.Duration) error {
	if refresh <= 0 {
		refresh = 10 * time.Second
	}
	tips := make(chan struct{}, 1)
	unsub := n.Subscribe(func(ev Event) {
		if ev.Kind == EventTip || ev.Kind == EventReorg {
			select {
			case tips <- struct{}{}:
			default:
			}
		}
	})
	defer unsub()
	for ctx.Err() == nil {
		select { // tips seen before this template don't count
		case <-tips:
		default:
		}
		jctx, cancel := context.WithTimeout(ctx, refresh)
		stop := make(chan struct{})
		go func() {
			select {
			case <-tips:
				cancel()
			case <-stop:
			}
		}()
		_, err := n.MineBlock(jctx)
		close(stop)
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			n.emit(Event{Kind: EventStatus, Text: "Mining: " + err.Error()})
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return ctx.Err()
}
