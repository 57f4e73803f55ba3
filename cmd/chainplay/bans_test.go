//go:build !js

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A cookie names a browser and when it was issued; one changed in any
// byte, or signed by another server, names nobody.
func TestClientCookies(t *testing.T) {
	ids := newIdentities(false)
	now := time.UnixMilli(1_800_000_000_000)
	c := ids.issue(now, false)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	req := httptest.NewRequest("GET", "/ws/r", nil)
	req.AddCookie(c)
	id, issued, ok := ids.read(req)
	require.True(t, ok)
	require.NotEmpty(t, id)
	require.True(t, issued.Equal(now))

	forged := *c
	b := []byte(forged.Value)
	b[3] ^= 1
	forged.Value = string(b)
	req = httptest.NewRequest("GET", "/ws/r", nil)
	req.AddCookie(&forged)
	_, _, ok = ids.read(req)
	require.False(t, ok, "a changed cookie")
	req = httptest.NewRequest("GET", "/ws/r", nil)
	req.AddCookie(c)
	_, _, ok = newIdentities(false).read(req)
	require.False(t, ok, "another server's cookie")

	who := ids.identify(req)
	require.Equal(t, who, parseTag(who.tag()))
	require.Equal(t, identity{}, parseTag("garbage"))
}

// The client's address: its connection's, or behind a trusted proxy the
// last hop of X-Forwarded-For.
func TestClientIP(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.7:5555"
	req.Header.Set("X-Forwarded-For", "1.2.3.4, 5.6.7.8")
	require.Equal(t, "10.0.0.7", newIdentities(false).clientIP(req))
	require.Equal(t, "5.6.7.8", newIdentities(true).clientIP(req))
	req.Header.Set("X-Forwarded-For", "not an address")
	require.Equal(t, "10.0.0.7", newIdentities(true).clientIP(req))
}

// A ban holds the kicked cookie and, for clients without a cookie from
// before it, the address; clear lifts them.
func TestBans(t *testing.T) {
	b := newBans()
	t0 := time.UnixMilli(1_800_000_000_000)
	kicked := identity{id: "k", issued: t0.Add(-time.Hour), ip: "10.0.0.1"}
	b.ban("r", kicked, t0)
	for _, tc := range []struct {
		who    identity
		banned bool
	}{
		{kicked, true},
		{identity{id: "k", issued: t0.Add(-time.Hour), ip: "10.0.0.9"}, true},            // the same browser elsewhere
		{identity{ip: "10.0.0.1"}, true},                                                 // no cookie
		{identity{id: "fresh", issued: t0.Add(time.Second), ip: "10.0.0.1"}, true},       // a cookie from after the ban
		{identity{id: "same-ms", issued: t0, ip: "10.0.0.1"}, true},                      // or from its millisecond
		{identity{id: "classmate", issued: t0.Add(-time.Minute), ip: "10.0.0.1"}, false}, // behind the same NAT, from before
		{identity{ip: "10.0.0.2"}, false},
	} {
		require.Equal(t, tc.banned, b.banned("r", tc.who), "%+v", tc.who)
		require.False(t, b.banned("other", tc.who), "bans are per room")
	}
	b.clear("r")
	require.False(t, b.banned("r", kicked))
}

// Each address has its own bucket; a refused one says how long to wait.
func TestKeyedLimiter(t *testing.T) {
	l := newKeyedLimiter(time.Minute, 2)
	t0 := time.Unix(1000, 0)
	for range 2 {
		ok, _ := l.Allow("a", t0)
		require.True(t, ok)
	}
	ok, wait := l.Allow("a", t0)
	require.False(t, ok)
	require.InDelta(t, time.Minute.Seconds(), wait.Seconds(), 1)
	ok, _ = l.Allow("b", t0)
	require.True(t, ok)
	ok, _ = l.Allow("a", t0.Add(time.Minute))
	require.True(t, ok, "refilled")
}

// The policy names the host only when it is a plain host[:port].
func TestContentSecurityPolicyHost(t *testing.T) {
	require.Contains(t, contentSecurityPolicy("class.example:8080", nil), "connect-src 'self' ws://class.example:8080 wss://class.example:8080;")
	require.Contains(t, contentSecurityPolicy("[::1]:80", nil), "ws://[::1]:80")
	for _, bad := range []string{"", "a b", "x;script-src *", strings.Repeat("a", 300)} {
		require.Contains(t, contentSecurityPolicy(bad, nil), "connect-src 'self';", "%q", bad)
	}
}
