//go:build !js

package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// kvLeases are the archive leases of a cluster: a room's lease is its
// key in the bucket chainplay_leases, whose TTL (clusterConfig.LeaseTTL)
// removes a value not rewritten in time. acquire is a Create, which only
// one process can win while the key lives; the holder renews with an
// Update on its revision every TTL/3, and gives up (lost) when a renewal
// fails for another process's write or when it has not renewed for 2/3
// of the TTL, before anyone else can have taken it. A process that dies
// stops renewing: its key expires after the TTL and the next process
// asking (every leasePoll) takes it.
type kvLeases struct {
	kv   jetstream.KeyValue
	proc string
	ttl  time.Duration
}

func (c *cluster) leases() kvLeases {
	return kvLeases{kv: c.leaseKV, proc: c.cfg.ProcessID, ttl: c.cfg.LeaseTTL}
}

func (k kvLeases) acquire(ctx context.Context, room string) (archiveLease, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, natsOpTimeout)
	defer cancel()
	rev, err := k.kv.Create(ctx, room, []byte(k.proc))
	if errors.Is(err, jetstream.ErrKeyExists) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	l := &kvLease{k: k, room: room, rev: rev, lostc: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.renew(time.Now())
	return l, true, nil
}

// kvLease is a held lease.
type kvLease struct {
	k     kvLeases
	room  string
	lostc chan struct{} // closed by renew when it gives up
	stop  chan struct{} // closed by release
	done  chan struct{} // closed when renew has returned
	once  sync.Once

	mu  sync.Mutex
	rev uint64 // the key's revision after our last write; guarded by mu
}

func (l *kvLease) lost() <-chan struct{} { return l.lostc }

// renew rewrites the key every TTL/3 until release, or until it cannot.
func (l *kvLease) renew(last time.Time) {
	defer close(l.done)
	t := time.NewTicker(l.k.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case now := <-t.C:
			l.mu.Lock()
			rev := l.rev
			l.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), l.k.ttl/3)
			next, err := l.k.kv.Update(ctx, l.room, []byte(l.k.proc), rev)
			cancel()
			if err == nil {
				l.mu.Lock()
				l.rev = next
				l.mu.Unlock()
				last = now
				continue
			}
			if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound) ||
				time.Since(last) >= 2*l.k.ttl/3 {
				close(l.lostc)
				return
			}
		}
	}
}

// release stops renewing and deletes the key if it is still ours, so
// another process takes the room at its next poll rather than after the
// TTL.
func (l *kvLease) release() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		select {
		case <-l.lostc:
			return // not ours any more
		default:
		}
		l.mu.Lock()
		rev := l.rev
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), natsOpTimeout)
		defer cancel()
		_ = l.k.kv.Delete(ctx, l.room, jetstream.LastRevision(rev))
	})
}
