//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The processes of a cluster that browsers can reach directly
// (docs/cluster.md, "Tabs that reconnect elsewhere"): every process
// started with -public-url writes {proc, url} under its process id in the
// key-value bucket chainplay_servers every serverBeat, and deletes it
// when it stops; a process that dies stops writing, and the bucket's TTL
// removes its entry serverTTL after its last write. Every process reads the bucket every serverBeat, so it knows the
// others within a few seconds of their start. What the list is for:
//
//   - the room page's config lists the others' relay URLs (roomConfig.Relays):
//     a tab whose process dies redials the next one;
//   - the Content-Security-Policy lets pages connect to those origins, and
//     only to them (headers.go);
//   - a websocket from a page of another listed process passes the
//     relay's cross-origin check (wsGuard), and GET /api/rooms/ROOM
//     answers it with CORS (the tab reads the room's epoch there).

// serverTTL is how long a process's entry lasts after its last write;
// serverBeat how often it is written and the bucket read.
const (
	serverTTL  = 9 * time.Second
	serverBeat = serverTTL / 3
)

// serverEntry is one process's entry.
type serverEntry struct {
	Proc string `json:"proc"`
	// URL is the process's public address: scheme and host, no path
	// (checkPublicURL).
	URL string `json:"url"`
}

// origin is the entry's URL as an Origin header has it.
func (e serverEntry) origin() string { return strings.TrimSuffix(e.URL, "/") }

// host is the host[:port] of the entry's URL.
func (e serverEntry) host() string {
	u, err := url.Parse(e.URL)
	if err != nil {
		return ""
	}
	return u.Host
}

// wsURL is the entry's websocket URL of room: ws(s)://HOST/ws/ROOM.
func (e serverEntry) wsURL(room string) string {
	return "ws" + strings.TrimPrefix(e.origin(), "http") + "/ws/" + room
}

// errBadPublicURL is checkPublicURL's error.
var errBadPublicURL = errors.New("want http://HOST[:PORT] or https://HOST[:PORT], with no path")

// checkPublicURL returns u as the directory keeps it (no trailing
// slash), or errBadPublicURL: an http or https URL with a plain host
// (validHost, so it is safe in a header) and no path, query or user.
func checkPublicURL(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || !validHost(p.Host) ||
		p.User != nil || (p.Path != "" && p.Path != "/") || p.RawQuery != "" || p.Fragment != "" {
		return "", fmt.Errorf("-public-url %q: %w", u, errBadPublicURL)
	}
	return p.Scheme + "://" + p.Host, nil
}

// serverDirectory is a process's view of the cluster's reachable
// processes. Its methods are safe for concurrent use.
type serverDirectory struct {
	kv   jetstream.KeyValue
	self serverEntry // URL "" when this process announces none
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}

	mu     sync.Mutex
	others []serverEntry // the live processes but this one, by process id; guarded by mu
	// seen is when each origin was last listed, for allows: the pages a
	// process served outlive it. Guarded by mu.
	seen map[string]time.Time
}

// originMemory is how long an origin stays allowed after its process
// was last listed: a tab keeps the page of a process that died, and its
// node redials the others for as long as the tab stays open. Bounded by
// maxOrigins.
const (
	originMemory = 24 * time.Hour
	maxOrigins   = 1024
)

// startDirectory announces publicURL ("" announces nothing) as this
// process's and keeps the others' list fresh until close.
func (c *cluster) startDirectory(publicURL string, log *slog.Logger) *serverDirectory {
	d := &serverDirectory{kv: c.servers, self: serverEntry{Proc: c.cfg.ProcessID, URL: publicURL}, log: log,
		stop: make(chan struct{}), done: make(chan struct{})}
	d.beat()
	go d.run()
	return d
}

func (d *serverDirectory) run() {
	defer close(d.done)
	t := time.NewTicker(serverBeat)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.beat()
		}
	}
}

// beat writes this process's entry and reads everyone's.
func (d *serverDirectory) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), serverBeat)
	defer cancel()
	if d.self.URL != "" {
		v, _ := json.Marshal(d.self)
		if _, err := d.kv.Put(ctx, d.self.Proc, v); err != nil {
			d.log.Warn("cluster: announcing this server", "err", err)
		}
	}
	keys, err := d.kv.ListKeys(ctx)
	if err != nil {
		d.log.Warn("cluster: reading the servers", "err", err)
		return
	}
	var others []serverEntry
	for k := range keys.Keys() {
		if k == d.self.Proc {
			continue
		}
		e, err := d.kv.Get(ctx, k)
		if err != nil { // deleted, or expired since the listing
			continue
		}
		var se serverEntry
		if json.Unmarshal(e.Value(), &se) != nil || se.Proc != k {
			continue
		}
		if u, err := checkPublicURL(se.URL); err == nil {
			se.URL = u
			others = append(others, se)
		}
	}
	slices.SortFunc(others, func(a, b serverEntry) int { return strings.Compare(a.Proc, b.Proc) })
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.others = others
	if d.seen == nil {
		d.seen = make(map[string]time.Time)
	}
	for _, e := range others {
		d.seen[strings.ToLower(e.origin())] = now
	}
	for o, at := range d.seen {
		if now.Sub(at) > originMemory || len(d.seen) > maxOrigins && !slices.ContainsFunc(others, func(e serverEntry) bool { return strings.EqualFold(e.origin(), o) }) {
			delete(d.seen, o)
		}
	}
}

// Others returns the live processes but this one that announced a URL.
func (d *serverDirectory) Others() []serverEntry {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.others)
}

// allows reports whether origin (an Origin header) is another process's
// that was listed in the last originMemory: the tabs of a process that
// died redial the others from its pages.
func (d *serverDirectory) allows(origin string) bool {
	if d == nil || origin == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.seen[strings.ToLower(origin)]
	return ok && time.Since(at) <= originMemory
}

// close stops the beats and deletes this process's entry.
func (d *serverDirectory) close() {
	close(d.stop)
	<-d.done
	if d.self.URL == "" {
		return
	}
	ctx, cancel := opCtx()
	defer cancel()
	_ = d.kv.Delete(ctx, d.self.Proc)
}
