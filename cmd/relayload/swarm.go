//go:build !js

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"nhooyr.io/websocket"
)

// swarm is the benchmark's peers. Each has one goroutine reading its
// socket (so it answers the relay's pings); the receivers of the hot room
// note when each announcement reaches them. Every peer reads into a
// buffer of its own that it reuses, so the load generator allocates
// little per frame and its garbage collector stays out of the figures.
type swarm struct {
	conns  []*websocket.Conn
	hot    []*websocket.Conn // the hot room: hot[0] announces
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	t0     time.Time
	sent   []atomic.Int64   // per announcement: nanoseconds since t0 when it was written
	recvAt [][]atomic.Int64 // per announcement, per hot peer: nanoseconds since t0 when it arrived (0: not yet)
}

// connectAll connects o.peers peers: o.hot to room "hot", the others round
// robin to rooms "r1"… It dials 64 at a time and returns once every peer
// has its "peers" frame.
func connectAll(ctx context.Context, wsBase string, o options) (*swarm, error) {
	rctx, cancel := context.WithCancel(context.Background())
	total := (warmupRounds + o.rounds) * o.perRound
	sw := &swarm{
		conns:  make([]*websocket.Conn, o.peers),
		cancel: cancel,
		t0:     time.Now(),
		sent:   make([]atomic.Int64, total),
		recvAt: make([][]atomic.Int64, total),
	}
	for i := range sw.recvAt {
		sw.recvAt[i] = make([]atomic.Int64, o.hot)
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
			c, _, err := websocket.Dial(dctx, fmt.Sprintf("%s/ws/%s?name=peer%d", wsBase, roomOf(i), i), nil)
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
			sw.read(rctx, c, i, i > 0 && i < o.hot)
		}()
	}
	return sw, nil
}

// read reads peer i's frames until the swarm closes; a receiver of the
// hot room notes when each announcement arrived.
func (sw *swarm) read(ctx context.Context, c *websocket.Conn, i int, receiver bool) {
	buf := make([]byte, 0, 64<<10)
	marker := []byte(`"seq":`)
	for {
		_, r, err := c.Reader(ctx)
		if err != nil {
			return
		}
		buf, err = readAll(r, buf[:0])
		if err != nil {
			return
		}
		if !receiver {
			continue
		}
		now := time.Since(sw.t0)
		j := bytes.Index(buf, marker)
		if j < 0 {
			continue // join, leave…
		}
		rest := buf[j+len(marker):]
		k := bytes.IndexByte(rest, ',')
		seq, err := strconv.Atoi(string(rest[:max(k, 0)]))
		if err != nil || seq < 0 || seq >= len(sw.sent) {
			continue
		}
		sw.recvAt[seq][i].Store(int64(now))
	}
}

// readAll appends all of r to buf, growing it only when a frame is larger
// than any before.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// announceRound sends o.perRound block-sized frames of round r from
// hot[0], one every o.interval, waits for them to arrive, and returns the
// delivery latencies to the other hot peers and how many deliveries never
// came.
func (sw *swarm) announceRound(ctx context.Context, r int, o options) ([]time.Duration, int, error) {
	sender := sw.hot[0]
	pad := strings.Repeat("x", max(o.frame-64, 0))
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	first := r * o.perRound
	for seq := first; seq < first+o.perRound; seq++ {
		frame := fmt.Sprintf(`{"type":"block","body":{"seq":%d,"pad":"%s"}}`, seq, pad)
		sw.sent[seq].Store(int64(time.Since(sw.t0)))
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := sender.Write(wctx, websocket.MessageText, []byte(frame))
		cancel()
		if err != nil {
			return nil, 0, fmt.Errorf("announce %d: %w", seq, err)
		}
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-tick.C:
		}
	}
	// Wait for the stragglers.
	deadline := time.Now().Add(5 * time.Second)
	var lat []time.Duration
	lost := 0
	for {
		lat, lost = lat[:0], 0
		for seq := first; seq < first+o.perRound; seq++ {
			for i := 1; i < len(sw.hot); i++ {
				if at := sw.recvAt[seq][i].Load(); at != 0 {
					lat = append(lat, time.Duration(at-sw.sent[seq].Load()))
				} else {
					lost++
				}
			}
		}
		if lost == 0 || time.Now().After(deadline) {
			return lat, lost, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// close disconnects every peer and waits for the readers.
func (sw *swarm) close() {
	sw.once.Do(func() {
		sw.cancel()
		for _, c := range sw.conns {
			if c != nil {
				c.CloseNow()
			}
		}
		sw.wg.Wait()
	})
}
