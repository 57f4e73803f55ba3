//go:build !js

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"nhooyr.io/websocket"
)

// swarm is the benchmark's peers. Each has one goroutine reading its
// socket (so it answers the relay's pings); the receivers of the hot room
// time the announcements they get.
type swarm struct {
	conns  []*websocket.Conn
	hot    []*websocket.Conn // the hot room: hot[0] announces
	cancel context.CancelFunc
	wg     sync.WaitGroup

	t0   time.Time
	sent []atomic.Int64 // per announcement: nanoseconds since t0 when it was written
	recv [][]time.Duration
	got  []atomic.Int64 // per receiver: announcements received
	warm []atomic.Bool  // per receiver: a warm-up frame came
}

// connectAll connects o.peers peers: o.hot to room "hot", the others round
// robin to rooms "r1"…, peer i to the relay wsBases[i mod len]. It dials
// 64 at a time and returns once every peer has its "peers" frame.
func connectAll(ctx context.Context, wsBases []string, o options) (*swarm, error) {
	rctx, cancel := context.WithCancel(context.Background())
	sw := &swarm{
		conns:  make([]*websocket.Conn, o.peers),
		cancel: cancel,
		t0:     time.Now(),
		sent:   make([]atomic.Int64, o.announces),
		recv:   make([][]time.Duration, o.hot),
		got:    make([]atomic.Int64, o.hot),
		warm:   make([]atomic.Bool, o.hot),
	}
	roomOf := func(i int) string {
		if i < o.hot {
			return "hot"
		}
		return "r" + strconv.Itoa(1+(i-o.hot)%(o.rooms-1))
	}
	sem := make(chan struct{}, 64)
	errs := make(chan error, o.peers)
	var dials sync.WaitGroup
	for i := range o.peers {
		sem <- struct{}{}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-sem }()
			dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
			defer dcancel()
			c, _, err := websocket.Dial(dctx, fmt.Sprintf("%s/ws/%s?name=peer%d", wsBases[i%len(wsBases)], roomOf(i), i), nil)
			if err != nil {
				errs <- fmt.Errorf("peer %d: %w", i, err)
				return
			}
			c.SetReadLimit(4 << 20)
			if _, msg, err := c.Read(dctx); err != nil || !bytes.Contains(msg, []byte(`"type":"peers"`)) {
				c.CloseNow()
				errs <- fmt.Errorf("peer %d: no peers frame: %v", i, err)
				return
			}
			sw.conns[i] = c
		}()
	}
	dials.Wait()
	close(errs)
	if err := <-errs; err != nil {
		sw.close()
		return nil, err
	}
	sw.hot = sw.conns[:o.hot]
	for i, c := range sw.conns {
		sw.wg.Add(1)
		go func() {
			defer sw.wg.Done()
			if i > 0 && i < o.hot {
				sw.receive(rctx, c, i, o.announces)
				return
			}
			for { // read and drop: keeps pings answered
				if _, _, err := c.Read(rctx); err != nil {
					return
				}
			}
		}()
	}
	return sw, nil
}

// receive records the delivery time of every announcement peer i gets.
func (sw *swarm) receive(ctx context.Context, c *websocket.Conn, i, n int) {
	lat := make([]time.Duration, 0, n)
	defer func() { sw.recv[i] = lat }()
	marker := []byte(`"seq":`)
	warm := []byte(`"warm":true`)
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		now := time.Since(sw.t0)
		if bytes.Contains(msg, warm) {
			sw.warm[i].Store(true)
			continue
		}
		j := bytes.Index(msg, marker)
		if j < 0 {
			continue // join, leave…
		}
		rest := msg[j+len(marker):]
		k := bytes.IndexByte(rest, ',')
		seq, err := strconv.Atoi(string(rest[:max(k, 0)]))
		if err != nil || seq < 0 || seq >= len(sw.sent) {
			continue
		}
		lat = append(lat, now-time.Duration(sw.sent[seq].Load()))
		sw.got[i].Add(1)
	}
}

// warmUp sends small frames from hot[0] until every other hot peer got
// one: the relays of a cluster have subscribed to the room on NATS and
// heard of each other by then.
func (sw *swarm) warmUp(ctx context.Context, o options) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		all := true
		for i := 1; i < len(sw.hot); i++ {
			if !sw.warm[i].Load() {
				all = false
			}
		}
		if all {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("warm-up: a frame from the hot room did not reach every peer of it in 30s")
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := sw.hot[0].Write(wctx, websocket.MessageText, []byte(`{"type":"block","body":{"warm":true}}`))
		cancel()
		if err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(max(o.interval, 100*time.Millisecond)):
		}
	}
}

// announce sends o.announces block-sized frames from hot[0], one every
// o.interval, then waits for the stragglers and stops the readers: the
// delivery times are in sw.recv, per receiver.
func (sw *swarm) announce(ctx context.Context, o options) error {
	sender := sw.hot[0]
	pad := strings.Repeat("x", max(o.frame-64, 0))
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	for seq := range o.announces {
		frame := fmt.Sprintf(`{"type":"block","body":{"seq":%d,"pad":"%s"}}`, seq, pad)
		sw.sent[seq].Store(int64(time.Since(sw.t0)))
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := sender.Write(wctx, websocket.MessageText, []byte(frame))
		cancel()
		if err != nil {
			return fmt.Errorf("announce %d: %w", seq, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	// Wait for the stragglers, then stop the readers.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		all := true
		for i := 1; i < len(sw.hot); i++ {
			if sw.got[i].Load() < int64(o.announces) {
				all = false
			}
		}
		if all {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	sw.close()
	return nil
}

// close disconnects every peer and waits for the readers.
func (sw *swarm) close() {
	sw.cancel()
	for _, c := range sw.conns {
		if c != nil {
			c.CloseNow()
		}
	}
	sw.wg.Wait()
}
