//go:build !js

package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kicks ban. A kicked peer would otherwise be back in half a second under
// a new peer id (its tab reloads and rejoins), so a kick bans what the
// peer came from, for the room's session: until the room has been empty
// long enough for its archive peer to stop, a reset or a new genesis, or
// a restart of the server.
//
// What a peer came from is its browser and its address. Every page sets a
// cookie (clientCookie) that names the browser: a random id and the time
// it was issued, signed with a key the server draws at start, so it can't
// be forged. A kick bans the peer's cookie and its address; a websocket is
// then refused (403, code "banned") when its cookie is banned, or when its
// address is and it has no cookie or one issued after the ban. So the
// kicked browser can't come back, nor a script or a fresh private window
// from the same address, while the other students behind the same address
// (a school's NAT), whose cookies are older than the ban, stay in. A
// student who arrives after the ban behind the same NAT is refused too:
// the teacher lifts every ban of the room with a reset. Native nodes
// (cmd/node) have no cookie and are banned by address.

// clientCookie is the name of the cookie that names a browser.
const clientCookie = "chainplay_client"

// identity is who a request comes from.
type identity struct {
	id     string    // the cookie's id, "" without a valid cookie
	issued time.Time // when the cookie was issued
	ip     string    // the client's address
}

// identities issues and checks the browser cookies.
type identities struct {
	key        []byte
	trustProxy bool // take the address from X-Forwarded-For
}

func newIdentities(trustProxy bool) *identities {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("chainplay: no randomness: " + err.Error())
	}
	return &identities{key: key, trustProxy: trustProxy}
}

// cookie layout: 16 random bytes, the issue time (unix ms, 8 bytes), then
// the first 16 bytes of HMAC-SHA256 of the two; base64url.
const (
	cookieIDLen  = 16
	cookieMACLen = 16
)

// issue returns a fresh cookie issued at now.
func (ids *identities) issue(now time.Time, secure bool) *http.Cookie {
	b := make([]byte, cookieIDLen, cookieIDLen+8+cookieMACLen)
	if _, err := rand.Read(b); err != nil {
		panic("chainplay: no randomness: " + err.Error())
	}
	b = binary.BigEndian.AppendUint64(b, uint64(now.UnixMilli()))
	b = append(b, ids.mac(b)...)
	return &http.Cookie{
		Name:     clientCookie,
		Value:    base64.RawURLEncoding.EncodeToString(b),
		Path:     "/",
		MaxAge:   365 * 24 * 3600,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}

func (ids *identities) mac(b []byte) []byte {
	m := hmac.New(sha256.New, ids.key)
	m.Write(b)
	return m.Sum(nil)[:cookieMACLen]
}

// read returns the id and issue time of r's cookie, if it has a valid one.
func (ids *identities) read(r *http.Request) (id string, issued time.Time, ok bool) {
	c, err := r.Cookie(clientCookie)
	if err != nil {
		return "", time.Time{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != cookieIDLen+8+cookieMACLen {
		return "", time.Time{}, false
	}
	body := b[:cookieIDLen+8]
	if !hmac.Equal(b[cookieIDLen+8:], ids.mac(body)) {
		return "", time.Time{}, false
	}
	ms := int64(binary.BigEndian.Uint64(body[cookieIDLen:]))
	return base64.RawURLEncoding.EncodeToString(body[:cookieIDLen]), time.UnixMilli(ms), true
}

// identify returns who r comes from.
func (ids *identities) identify(r *http.Request) identity {
	who := identity{ip: ids.clientIP(r)}
	if id, issued, ok := ids.read(r); ok {
		who.id, who.issued = id, issued
	}
	return who
}

// clientIP is the address r comes from: its connection's, or with
// trustProxy the last hop of X-Forwarded-For (what the proxy in front of
// this server saw).
func (ids *identities) clientIP(r *http.Request) string {
	if ids.trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(hops[len(hops)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// withCookie gives every page request that lacks a valid cookie a fresh
// one.
func (ids *identities) withCookie(clock func() time.Time, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := ids.read(r); !ok && r.Method == http.MethodGet {
			http.SetCookie(w, ids.issue(clock(), r.TLS != nil))
		}
		next.ServeHTTP(w, r)
	})
}

// tag is who, as the relay keeps it with the connection (relay.WithTag).
func (who identity) tag() string {
	return who.id + "|" + strconv.FormatInt(who.issued.UnixMilli(), 10) + "|" + who.ip
}

// parseTag reads a tag back.
func parseTag(tag string) identity {
	parts := strings.SplitN(tag, "|", 3)
	if len(parts) != 3 {
		return identity{}
	}
	ms, _ := strconv.ParseInt(parts[1], 10, 64)
	who := identity{id: parts[0], ip: parts[2]}
	if who.id != "" {
		who.issued = time.UnixMilli(ms)
	}
	return who
}

// bans are the bans of every room's session. Safe for concurrent use.
type bans struct {
	mu    sync.Mutex
	rooms map[string]*roomBans
	// shared, when set, shares the bans with the other processes of a
	// cluster (kvbans.go): ban writes there too, endSession purges the
	// room's there, and what the others write arrives through apply and
	// forget.
	shared sharedBans
}

// sharedBans is where a cluster keeps its bans (kvbans.go).
type sharedBans interface {
	// put records a ban of who from room, made at.
	put(room string, who identity, at time.Time)
	// purge deletes every ban of room.
	purge(room string)
}

// roomBans are one room's bans.
type roomBans struct {
	ids map[string]bool      // banned cookies
	ips map[string]time.Time // banned addresses, and since when
}

// maxBansPerRoom bounds a room's bans; past it the oldest address is
// forgotten (a teacher kicking hundreds has a reset at hand).
const maxBansPerRoom = 1000

func newBans() *bans { return &bans{rooms: make(map[string]*roomBans)} }

// ban bans who from room from now on, on every process of a cluster.
func (b *bans) ban(room string, who identity, now time.Time) {
	b.apply(room, who, now)
	if b.shared != nil {
		b.shared.put(room, who, now)
	}
}

// apply records a ban of who from room made at now, here only.
func (b *bans) apply(room string, who identity, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rb := b.rooms[room]
	if rb == nil {
		rb = &roomBans{ids: make(map[string]bool), ips: make(map[string]time.Time)}
		b.rooms[room] = rb
	}
	if who.id != "" && len(rb.ids) < maxBansPerRoom {
		rb.ids[who.id] = true
	}
	if who.ip != "" {
		if len(rb.ips) >= maxBansPerRoom {
			oldest, at := "", now
			for ip, t := range rb.ips {
				if t.Before(at) {
					oldest, at = ip, t
				}
			}
			delete(rb.ips, oldest)
		}
		if _, ok := rb.ips[who.ip]; !ok {
			rb.ips[who.ip] = time.UnixMilli(now.UnixMilli()) // a cookie's precision: one issued in the same ms is not older
		}
	}
}

// banned reports whether who may not join room: its cookie is banned, or
// its address is and it has no cookie from before that ban.
func (b *bans) banned(room string, who identity) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	rb := b.rooms[room]
	if rb == nil {
		return false
	}
	if who.id != "" && rb.ids[who.id] {
		return true
	}
	since, ok := rb.ips[who.ip]
	return ok && (who.id == "" || !who.issued.Before(since))
}

// clear lifts every ban of room here: its session is over (a process
// of a cluster told of a reset decided elsewhere; the deciding one
// purges the shared bans).
func (b *bans) clear(room string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.rooms, room)
}

// endSession lifts every ban of room, here and on every process of a
// cluster: its session is over (a reset, or the room is empty
// everywhere).
func (b *bans) endSession(room string) {
	b.clear(room)
	if b.shared != nil {
		b.shared.purge(room)
	}
}

// forget lifts one ban here: the cookie id, or else the address ip (a
// shared ban deleted by another process).
func (b *bans) forget(room, id, ip string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rb := b.rooms[room]
	if rb == nil {
		return
	}
	if id != "" {
		delete(rb.ids, id)
	} else {
		delete(rb.ips, ip)
	}
	if len(rb.ids) == 0 && len(rb.ips) == 0 {
		delete(b.rooms, room)
	}
}
