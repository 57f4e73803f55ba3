//go:build !js

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bans across a cluster (docs/cluster.md, "Bans"): a kick bans on every
// process, because the student it bans would otherwise come back through
// another one. Each ban is a key of the bucket chainplay_bans,
// ROOM.c.COOKIEID for a browser and ROOM.a.HEXADDR for an address, its
// value the ban's time in unix milliseconds (an address ban spares the
// cookies issued before it, bans.go). Every process watches the bucket and
// keeps a copy in its own bans, so the relay guard reads no more than
// before; a ban reaches the others within NATS's delivery time. The room's
// session ends for everyone together: the process that resets the room,
// or whose archive finds it empty on every process, purges its keys, and
// the others drop them as the purge arrives.
//
// The cookies must be readable by every process too: the key that signs
// them is shared (cookieKey), so a browser keeps its identity whichever
// process it reaches.

// kvBans is a cluster's sharedBans.
type kvBans struct {
	kv  jetstream.KeyValue
	log *slog.Logger
}

var _ sharedBans = kvBans{}

// banKey returns the key of a ban of kind "c" (a cookie id) or "a" (an
// address) in room.
func banKey(room, kind, value string) string {
	if kind == "a" {
		value = hex.EncodeToString([]byte(value)) // ':' of IPv6 is no key character
	}
	return room + "." + kind + "." + value
}

// parseBanKey reads a key back: the room, and the cookie id or the
// address; ok false for anything else.
func parseBanKey(key string) (room, id, ip string, ok bool) {
	parts := strings.SplitN(key, ".", 3)
	if len(parts) != 3 || parts[2] == "" {
		return "", "", "", false
	}
	switch parts[1] {
	case "c":
		return parts[0], parts[2], "", true
	case "a":
		b, err := hex.DecodeString(parts[2])
		if err != nil {
			return "", "", "", false
		}
		return parts[0], "", string(b), true
	}
	return "", "", "", false
}

func (k kvBans) put(room string, who identity, at time.Time) {
	v := []byte(strconv.FormatInt(at.UnixMilli(), 10))
	ctx, cancel := opCtx()
	defer cancel()
	if who.id != "" {
		if _, err := k.kv.Put(ctx, banKey(room, "c", who.id), v); err != nil {
			k.log.Warn("cluster: sharing a ban", "room", room, "err", err)
		}
	}
	if who.ip != "" {
		if _, err := k.kv.Put(ctx, banKey(room, "a", who.ip), v); err != nil {
			k.log.Warn("cluster: sharing a ban", "room", room, "err", err)
		}
	}
}

func (k kvBans) purge(room string) {
	ctx, cancel := opCtx()
	defer cancel()
	keys, err := k.kv.ListKeysFiltered(ctx, room+".>")
	if err != nil {
		k.log.Warn("cluster: lifting the room's bans", "room", room, "err", err)
		return
	}
	for key := range keys.Keys() {
		if err := k.kv.Purge(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			k.log.Warn("cluster: lifting the room's bans", "room", room, "err", err)
		}
	}
}

// mirror copies the bucket into b until ctx ends: the bans there now,
// then every change. It returns once the bans there now are copied.
func (k kvBans) mirror(ctx context.Context, b *bans) error {
	w, err := k.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("chainplay: watching the bans: %w", err)
	}
	apply := func(e jetstream.KeyValueEntry) {
		room, id, ip, ok := parseBanKey(e.Key())
		if !ok {
			return
		}
		if e.Operation() != jetstream.KeyValuePut {
			b.forget(room, id, ip)
			return
		}
		ms, err := strconv.ParseInt(string(e.Value()), 10, 64)
		if err != nil {
			return
		}
		b.apply(room, identity{id: id, ip: ip}, time.UnixMilli(ms))
	}
	for e := range w.Updates() {
		if e == nil { // the initial values are in
			break
		}
		apply(e)
	}
	go func() {
		<-ctx.Done()
		_ = w.Stop()
	}()
	go func() {
		for e := range w.Updates() {
			if e != nil {
				apply(e)
			}
		}
	}()
	return nil
}

// cookieKey returns the key that signs the cluster's cookies, drawing it
// if no process has yet (the first Create wins).
func (c *cluster) cookieKey() ([]byte, error) {
	const name = "cookie_key"
	ctx, cancel := opCtx()
	defer cancel()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	_, err := c.settings.Create(ctx, name, []byte(hex.EncodeToString(key)))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("chainplay: cookie key: %w", err)
	}
	// The key is there now: ours, or the one of the process whose Create
	// came first. A read may still miss the other's for a moment (seen:
	// three processes started at once, one read "key not found" right
	// after its Create was refused, and exited), so a miss is read again
	// until the operation's time is up.
	for {
		e, err := c.settings.Get(ctx, name)
		if err == nil {
			return hex.DecodeString(string(e.Value()))
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, fmt.Errorf("chainplay: cookie key: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("chainplay: cookie key: %w (%w)", err, ctx.Err())
		case <-time.After(cookieKeyRetry):
		}
	}
}

// cookieKeyRetry is how long cookieKey waits before it reads a key it
// missed again.
const cookieKeyRetry = 20 * time.Millisecond
