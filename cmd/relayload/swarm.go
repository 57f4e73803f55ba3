//go:build !js

package main

import (
	"bytes"
	"context"
	"errors"
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
	procs  int               // relay processes: peer i is on process i mod procs
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	t0     time.Time
	sent   []atomic.Int64   // per announcement: nanoseconds since t0 when it was written
	recvAt [][]atomic.Int64 // per announcement, per hot peer: nanoseconds since t0 when it arrived (0: not yet)
	warm   []atomic.Bool    // per hot peer: a warm-up frame came
}

// connectAll connects o.peers peers: o.hot to room "hot", the others round
// robin to rooms "r1"…, peer i to the relay wsBases[i mod len]. It dials
// 64 at a time and returns once every peer has its "peers" frame.
func connectAll(ctx context.Context, wsBases []string, o options) (*swarm, error) {
	rctx, cancel := context.WithCancel(context.Background())
	total := (warmupRounds + o.rounds) * o.perRound
	sw := &swarm{
		conns:  make([]*websocket.Conn, o.peers),
		procs:  len(wsBases),
		cancel: cancel,
		t0:     time.Now(),
		sent:   make([]atomic.Int64, total),
		recvAt: make([][]atomic.Int64, total),
		warm:   make([]atomic.Bool, o.hot),
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
			sw.read(rctx, c, i, i > 0 && i < o.hot)
		}()
	}
	return sw, nil
}

// read reads peer i's frames until the swarm closes; a receiver of the
// hot room notes the warm-up frame and when each announcement arrived.
func (sw *swarm) read(ctx context.Context, c *websocket.Conn, i int, receiver bool) {
	buf := make([]byte, 0, 64<<10)
	marker := []byte(`"seq":`)
	warm := []byte(`"warm":true`)
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
		j := bytes.Index(buf, marker) // near the front of an announcement
		if j < 0 {
			if bytes.Contains(buf, warm) { // small, as join and leave are
				sw.warm[i].Store(true)
			}
			continue
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

// warmUp sends small frames from hot[0] until every other hot peer got
// one: the relays of a cluster have subscribed to the room on NATS and
// heard of each other by then. It gives up after 30 s.
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

// delivery is one round's delivery times to the other hot peers: to all
// of them, and apart to those on the announcer's process (same) and on
// the others (cross; none with one process).
type delivery struct {
	all, same, cross []time.Duration
	lost             int // deliveries that never came
}

// announceRound sends o.perRound block-sized frames of round r from
// hot[0], one every o.interval, waits for them to arrive (5 s at most
// after the last), and returns their delivery times.
func (sw *swarm) announceRound(ctx context.Context, r int, o options) (delivery, error) {
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
			return delivery{}, fmt.Errorf("announce %d: %w", seq, err)
		}
		select {
		case <-ctx.Done():
			return delivery{}, ctx.Err()
		case <-tick.C:
		}
	}
	// Wait for the stragglers.
	deadline := time.Now().Add(5 * time.Second)
	var d delivery
	for {
		d = delivery{all: d.all[:0], same: d.same[:0], cross: d.cross[:0]}
		for seq := first; seq < first+o.perRound; seq++ {
			for i := 1; i < len(sw.hot); i++ {
				at := sw.recvAt[seq][i].Load()
				if at == 0 {
					d.lost++
					continue
				}
				lat := time.Duration(at - sw.sent[seq].Load())
				d.all = append(d.all, lat)
				if i%sw.procs == 0 { // hot[0], the announcer, is on process 0
					d.same = append(d.same, lat)
				} else {
					d.cross = append(d.cross, lat)
				}
			}
		}
		if d.lost == 0 || time.Now().After(deadline) {
			return d, nil
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
