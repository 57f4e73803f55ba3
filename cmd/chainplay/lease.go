//go:build !js

package main

import (
	"context"
	"time"
)

// The archive of a room runs in exactly one process at a time: the one
// holding the room's lease. In a single process that is always this one
// (soleLeases); in a cluster the lease is a key of a JetStream key-value
// bucket with a TTL, renewed by its holder (kvLeases, cluster.go).

// archiveLeases hands out the rooms' archive leases.
type archiveLeases interface {
	// acquire takes room's lease for this process if nobody holds it. It
	// returns ok false, and no error, while another process does.
	acquire(ctx context.Context, room string) (l archiveLease, ok bool, err error)
}

// archiveLease is a held lease.
type archiveLease interface {
	// lost is closed when the lease could not be renewed in time: another
	// process may hold it now, so the archive must stop writing.
	lost() <-chan struct{}
	// release gives the lease up (another process may take it at once).
	// It is idempotent.
	release()
}

// leasePoll is how often a process that wants a room's lease asks again
// while another holds it.
const leasePoll = 250 * time.Millisecond

// awaitLease returns room's lease once this process holds it, or ctx's
// error.
func (a *archives) awaitLease(ctx context.Context, room string) (archiveLease, error) {
	if a.leases == nil {
		return soleLease{}, nil
	}
	logged := false
	for {
		l, ok, err := a.leases.acquire(ctx, room)
		if ok {
			return l, nil
		}
		if err != nil && !logged {
			a.cfg.Log.Warn("archive: lease", "room", room, "err", err)
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(leasePoll):
		}
	}
}

// soleLease is the lease of a single process: never lost.
type soleLease struct{}

func (soleLease) lost() <-chan struct{} { return nil }
func (soleLease) release()              {}
