package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// JoinConfig says how StayJoined reaches a room.
type JoinConfig struct {
	// Dial opens a new connection to the room. It owns its timeout. An
	// error wrapping ErrRoomReset stops StayJoined; any other error is
	// retried after the backoff. This field is required.
	Dial func(ctx context.Context) (Transport, error)
	// Check, when set, is called before every dial but the first (the
	// caller has just read the room to build its chain): an error wrapping
	// ErrRoomReset stops StayJoined, any other error is retried after the
	// backoff like a failed dial.
	Check func(ctx context.Context) error
	// Target, when set, names where the next attempt goes (a host: the
	// node has several relays, RelaysJoinConfig); the CodeConnRetrying
	// event before each wait carries it as its Name, so the page can say
	// it is reconnecting elsewhere. Optional.
	Target func() string

	// MinBackoff is the wait before the first redial; each failed attempt
	// doubles it up to MaxBackoff. Default 500 ms and 10 s.
	MinBackoff, MaxBackoff time.Duration
	// Stable is how long a connection must have lasted for its loss to
	// reset the backoff to MinBackoff. A peer the relay drops soon after
	// it joins (for its rate, say) waits longer each time. Default 10 s.
	Stable time.Duration
	// NoJitter makes every wait the backoff itself. Otherwise each wait
	// is drawn uniformly from [backoff/2, backoff], so that a room's peers,
	// dropped together (a kick of everyone, a restart of the server), do
	// not redial together.
	NoJitter bool
	// Seed seeds the jitter. Zero derives it from the node's address and
	// the clock: two tabs differ, a test with a fixed key on a fake clock
	// repeats.
	Seed uint64
}

// Defaults of JoinConfig.
const (
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
	DefaultStable     = 10 * time.Second
)

// StayJoined keeps the node in its room until ctx ends: it dials with
// cfg.Dial, serves the connection with Run, and after a failed dial or a
// lost connection waits the backoff (on the node's Clock), calls
// cfg.Check and dials again. Before each wait it emits EventConnection
// CodeConnRetrying with the wait in ms (Count) and why the last attempt
// ended (Reason).
//
// It returns nil when ctx ends, and an error wrapping ErrRoomReset, after
// emitting EventConnection CodeConnRoomReset, when Check or Dial says the
// room was reset. It returns an error at once when cfg.Dial is nil.
//
// StayJoined is the one redial loop of every binary (the tab, cmd/node,
// the archive). Call it once at a time per node: Run serves one
// connection at a time.
func (n *Node) StayJoined(ctx context.Context, cfg JoinConfig) error {
	if cfg.Dial == nil {
		return errors.New("node: JoinConfig.Dial is required")
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.Stable <= 0 {
		cfg.Stable = DefaultStable
	}
	clock := n.cfg.Clock
	seed := cfg.Seed
	if seed == 0 {
		seed = binary.LittleEndian.Uint64(n.addr[:8]) ^ uint64(clock.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, 0x636861696e706c61)) // "chainpla"

	backoff := cfg.MinBackoff
	// retry waits before the next attempt; it reports false when ctx ended.
	retry := func(reason string, err error) bool {
		d := backoff
		if !cfg.NoJitter {
			d = backoff/2 + time.Duration(rng.Int64N(int64(backoff/2)+1))
		}
		backoff = min(2*backoff, cfg.MaxBackoff)
		ev := Event{Kind: EventConnection, Code: CodeConnRetrying, Reason: reason, Count: uint64(d.Milliseconds()),
			Text: fmt.Sprintf("Joining the room again in %v (%v)", d.Round(time.Millisecond), err)}
		if cfg.Target != nil {
			ev.Name = cfg.Target()
			ev.Text = fmt.Sprintf("Joining the room again through %s in %v (%v)", ev.Name, d.Round(time.Millisecond), err)
		}
		n.emit(ev)
		select {
		case <-ctx.Done():
			return false
		case <-clock.After(d):
			return true
		}
	}
	reset := func(err error) error {
		n.emit(Event{Kind: EventConnection, Code: CodeConnRoomReset, Reason: CodeRoomReset,
			Text: "The teacher reset the room: this chain is void; start again from the room's new genesis"})
		return err
	}

	for first := true; ; first = false {
		if ctx.Err() != nil {
			return nil
		}
		if !first && cfg.Check != nil {
			err := cfg.Check(ctx)
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, ErrRoomReset):
				return reset(err)
			case err != nil:
				if !retry(ReasonCheckFailed, err) {
					return nil
				}
				continue
			}
		}
		t, err := cfg.Dial(ctx)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrRoomReset):
			return reset(err)
		default:
			if !retry(ReasonDialFailed, err) {
				return nil
			}
			continue
		}
		start := clock.Now()
		err = n.Run(ctx, t)
		if ctx.Err() != nil {
			return nil
		}
		if clock.Now().Sub(start) >= cfg.Stable {
			backoff = cfg.MinBackoff
		}
		if !retry(disconnectReason(err), err) {
			return nil
		}
	}
}
