//go:build !js

package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/chainplay/chainplay/internal/httpjson"
)

// Teacher tokens: 32 random bytes, base64url, handed out once by POST
// /api/rooms and kept by the creating tab in localStorage. The registry
// keeps only their SHA-256, and a presented token is hashed and compared
// in constant time.

// newToken returns a fresh token and the hash to store.
func newToken() (token string, hash []byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// tokenMatches reports, in constant time, whether token hashes to hash.
// An empty hash (a room without a teacher) matches nothing.
func tokenMatches(token string, hash []byte) bool {
	sum := sha256.Sum256([]byte(token))
	want := hash
	if len(want) != sha256.Size {
		want = make([]byte, sha256.Size) // compare anyway: same time either way
	}
	return subtle.ConstantTimeCompare(sum[:], want) == 1 && len(hash) == sha256.Size
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// teacher lets h run only for a request that carries the room's teacher
// token: 401 unauthorized without one, 403 forbidden with a wrong one or
// for a room that has no teacher (opened by its URL, never created).
func (s *server) teacher(h roomHandler) roomHandler {
	return func(w http.ResponseWriter, r *http.Request, room string) error {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chainplay"`)
			return httpjson.New(http.StatusUnauthorized, httpjson.CodeUnauthorized, "teacher token required: Authorization: Bearer TOKEN")
		}
		rec, _, err := s.reg.get(room)
		if err != nil {
			return err
		}
		if !tokenMatches(token, rec.TokenHash) {
			return httpjson.New(http.StatusForbidden, httpjson.CodeForbidden, "wrong teacher token for room "+room)
		}
		return h(w, r, room)
	}
}
