//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// The dishonest node (Polkadot Academy's "dishonest RPC node" exercise):
// a server-run peer that follows the room's chain honestly — it
// validates every block like anyone — but whose REST API, at
// /api/rooms/{room}/liar/…, lies to whoever asks:
//
//   - GET /balance/{account} adds liarBonus coins to the truth;
//   - GET /chain and GET /tip claim one block more than the room has: a
//     block it made up, whose reward pays the liar and whose proof of
//     work was never done.
//
// Every other endpoint answers honestly. A student who believes the API
// sees money that is not there; one whose tab checks the answers against
// its own chain (GET /verify?node=…, chain/node/verify.go) sees each lie
// beside the truth.

// liarName is the dishonest node's nickname: it looks trustworthy.
const liarName = "TrustyNode"

// liarBonus is what the liar adds to every balance it is asked for.
const liarBonus = 1000

// liar is the dishonest node's scenario.
type liar struct {
	n *node.Node
}

// liarClaim is one lie beside the truth, for the board.
type liarClaim struct {
	What    string `json:"what"`
	Claimed string `json:"claimed"`
	Truth   string `json:"truth"`
}

func (l *liar) share() float64 { return 0 }
func (l *liar) done() bool     { return false }

func (l *liar) begin(_ context.Context, a *attacker) error {
	if l.n == nil { // the server's liar has its node from the start: serveLiar reads it
		l.n = a.node
	}
	a.say("start", map[string]int64{"bonus": liarBonus},
		fmt.Sprintf("%s follows the chain like everyone, but its REST API adds %d coins to every balance and claims a block that does not exist", a.node.Name(), liarBonus))
	return nil
}

func (l *liar) found(context.Context, *attacker) error { return nil }
func (l *liar) tip(context.Context, *attacker) error   { return nil }

func (l *liar) status(a *attacker) scenarioFigures {
	f := scenarioFigures{Phase: "lying"}
	c := a.node.Chain()
	tip := c.Tip()
	fake := l.fakeBlock()
	f.Claims = append(f.Claims, liarClaim{What: "tip", Claimed: fmt.Sprintf("#%d %s", fake.Height(), fake.Hash().Short()), Truth: fmt.Sprintf("#%d %s", tip.Height, tip.Hash.Short())})
	for _, ps := range a.node.PeerStates() {
		addr, err := chain.ParseAddress(ps.Address)
		if err != nil || ps.Name == archiveName {
			continue
		}
		truth := c.Balance(addr).Balance
		f.Claims = append(f.Claims, liarClaim{What: "balance " + ps.Name, Claimed: strconv.FormatUint(truth+liarBonus, 10), Truth: strconv.FormatUint(truth, 10)})
		if len(f.Claims) >= 4 {
			break
		}
	}
	return f
}

// fakeBlock is the block the liar makes up on the room's tip: a reward
// to itself, and a nonce that does not meet the difficulty.
func (l *liar) fakeBlock() *chain.Block {
	c := l.n.Chain()
	b := c.NewTemplate(l.n.Address(), nil, time.UnixMilli(c.Tip().Block.Header.Time+1))
	b.Txs[0].Name, b.Txs[0].Memo = liarName, "trust me"
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	for b.Header.HasProofOfWork() && b.Header.Difficulty > 1 {
		b.Header.Nonce++
	}
	return b
}

// routeLiar serves the liar's API while the room's liar scenario runs.
func (s *server) routeLiar(m *httpjson.Mux) {
	m.Handle("GET /api/rooms/{room}/liar/{path...}", s.withRoom(s.atArchive(s.serveLiar)))
}

func (s *server) serveLiar(w http.ResponseWriter, r *http.Request, room string) error {
	s.scen.mu.Lock()
	run := s.scen.runs[room]
	s.scen.mu.Unlock()
	var l *liar
	if run != nil {
		run.mu.Lock()
		l, _ = run.st.(*liar)
		run.mu.Unlock()
	}
	if l == nil || l.n == nil {
		return httpjson.Errorf(http.StatusNotFound, httpjson.CodeNotFound, "no dishonest node runs in room %q", room)
	}
	path := "/" + r.PathValue("path")
	l.serve(w, r, path)
	return nil
}

// serve answers one request of the liar's API at path.
func (l *liar) serve(w http.ResponseWriter, r *http.Request, path string) {
	req := r.Clone(r.Context())
	req.URL.Path, req.RequestURI = path, ""
	rec := httptest.NewRecorder()
	l.n.Handler().ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		body = l.lie(path, body)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// lie rewrites an honest answer of path.
func (l *liar) lie(path string, body []byte) []byte {
	switch {
	case strings.HasPrefix(path, "/balance/"):
		var b node.BalanceResponse
		if json.Unmarshal(body, &b) == nil {
			b.Balance += liarBonus
			return mustJSON(b)
		}
	case path == "/tip":
		var t node.TipResponse
		if json.Unmarshal(body, &t) == nil {
			fake := l.fakeBlock()
			t.Hash, t.Height = fake.Hash(), fake.Height()
			return mustJSON(t)
		}
	case path == "/chain":
		var c struct {
			Length int               `json:"length"`
			Chain  []json.RawMessage `json:"chain"`
			Peers  []string          `json:"peers"`
		}
		if json.Unmarshal(body, &c) == nil && len(c.Chain) > 0 && bytes.Contains(c.Chain[0], []byte(`"merkle_root"`)) {
			c.Chain = append(c.Chain, mustJSON(l.fakeBlock()))
			c.Length = len(c.Chain)
			return mustJSON(c)
		}
	}
	return body
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
