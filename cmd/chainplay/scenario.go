//go:build !js

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/relay"
)

// Scenarios: the attacks of lesson 6, live. The teacher starts one from
// the board; the server runs its peer (attacker.go) in the room, and every
// step the scenario takes is announced to the room as a signed control
// (op CodeControlScenario, node.ControlState.Scenario): every tab's log
// tells it in the reader's words and the board draws it. No second trust
// mechanism: a student cannot forge a step any more than a pause.
//
//	GET    /api/scenarios                   the scenarios the board can start, with their defaults
//	POST   /api/rooms/{room}/scenario       teacher: {"name", "params"?} start one (stopping the last)
//	DELETE /api/rooms/{room}/scenario       teacher: stop it
//	GET    /api/rooms/{room}/scenario       what runs: its steps and the board's figures
//
// A room runs at most one scenario; it stops by itself when it is over,
// when the room is reset, or when the server closes.

// scenarioParams are the knobs of a scenario; each uses some.
type scenarioParams struct {
	// Pct is the attacker's share of the room's hash power, 1 … 99.
	Pct int `json:"pct,omitempty"`
	// Z is how many confirmations the merchant waits for (doublespend), 1 … 10.
	Z int `json:"z,omitempty"`
	// Merchant is the peer id of the student the attacker pays
	// (doublespend); empty: the first student of the room.
	Merchant string `json:"merchant,omitempty"`
	// Amount is the payment, in coins (doublespend).
	Amount uint64 `json:"amount,omitempty"`
	// Rules picks the room's rules for the timestamp attack: "weak" (a
	// day of future drift, the median-time-past rule down to the parent)
	// or "default".
	Rules string `json:"rules,omitempty"`
	// Seed seeds the attacker's pacing; 0 picks one from the clock.
	Seed uint64 `json:"seed,omitempty"`
}

// scenarioInfo is one scenario of GET /api/scenarios.
type scenarioInfo struct {
	Name     string         `json:"name"`
	Lesson   string         `json:"lesson"`
	Defaults scenarioParams `json:"defaults"`
}

// scenarioDefs are the scenarios, in the order the board lists them.
var scenarioDefs = []scenarioInfo{
	{Name: "doublespend", Lesson: "attacks", Defaults: scenarioParams{Pct: 60, Z: 2, Amount: 10}},
	{Name: "selfish", Lesson: "attacks", Defaults: scenarioParams{Pct: 35}},
	{Name: "timestamp", Lesson: "attacks", Defaults: scenarioParams{Pct: 30, Rules: "weak"}},
	{Name: "brokenkey", Lesson: "attacks", Defaults: scenarioParams{Pct: 30}},
	{Name: "liar", Lesson: "attacks", Defaults: scenarioParams{}},
}

// scenarioFigures are what the board draws of a running scenario; each
// scenario fills its own.
type scenarioFigures struct {
	Phase    string `json:"phase"`
	SharePct int64  `json:"share_pct,omitempty"`
	// The double spend's race: the private and public branch lengths
	// since the base, the payment's confirmations, and Rosenfeld's
	// probability of success (Paper).
	Private       int     `json:"private,omitempty"`
	Public        int     `json:"public,omitempty"`
	Confirmations int     `json:"confirmations,omitempty"`
	Z             int     `json:"z,omitempty"`
	Payment       string  `json:"payment,omitempty"`
	Base          uint64  `json:"base,omitempty"` // the height the race forks from
	Paper         float64 `json:"paper,omitempty"`
	// Selfish mining: main-chain blocks since the start, the attacker's
	// among them, the blocks it orphaned, and Eyal & Sirer's revenue at
	// γ = 0 and γ = ½ for its share.
	MainBlocks     int     `json:"main_blocks,omitempty"`
	AttackerBlocks int     `json:"attacker_blocks,omitempty"`
	Orphaned       int     `json:"orphaned,omitempty"`
	Withheld       int     `json:"withheld,omitempty"`
	PaperGamma0    float64 `json:"paper_gamma0,omitempty"`
	PaperGammaHalf float64 `json:"paper_gamma_half,omitempty"`
	// The timestamp attack: the difficulty when it started and now, and
	// the forged blocks mined and refused.
	Rules           string `json:"rules,omitempty"`
	StartDifficulty uint64 `json:"start_difficulty,omitempty"`
	Difficulty      uint64 `json:"difficulty,omitempty"`
	Forged          int    `json:"forged,omitempty"`
	Refused         int    `json:"refused,omitempty"`
	// Broken keys: the account, and the recovery shown step by step.
	Account  string          `json:"account,omitempty"`
	Recovery *recoveryFigure `json:"recovery,omitempty"`
	// The dishonest node: where its API answers, and what it claims
	// against what the chain says.
	API    string      `json:"api,omitempty"`
	Claims []liarClaim `json:"claims,omitempty"`
}

// scenarioStatus answers GET /api/rooms/{room}/scenario.
type scenarioStatus struct {
	Name     string              `json:"name,omitempty"`
	Running  bool                `json:"running"`
	Attacker string              `json:"attacker,omitempty"` // its peer id
	Error    string              `json:"error,omitempty"`    // why it stopped, if it failed
	Steps    []node.ScenarioStep `json:"steps"`
	Figures  *scenarioFigures    `json:"figures,omitempty"`
}

// maxScenarioSteps bounds the steps a run keeps for the board.
const maxScenarioSteps = 50

// scenarioRun is one running scenario.
type scenarioRun struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	steps []node.ScenarioStep
	a     *attacker // nil until its node is in the room
	st    strategy
	id    string // the attacker's peer id
	err   string
	seq   uint64
}

// scenarios holds the rooms' runs. Guarded by mu.
type scenarios struct {
	mu     sync.Mutex
	runs   map[string]*scenarioRun
	wg     sync.WaitGroup
	closed bool
}

func newScenarios() *scenarios { return &scenarios{runs: map[string]*scenarioRun{}} }

func (s *server) routeScenarios(m *httpjson.Mux) {
	m.Handle("GET /api/scenarios", func(w http.ResponseWriter, r *http.Request) error {
		return httpjson.Write(w, http.StatusOK, scenarioDefs)
	})
	m.Handle("POST /api/rooms/{room}/scenario", s.withRoom(s.teacher(s.atArchive(s.postScenario))))
	m.Handle("DELETE /api/rooms/{room}/scenario", s.withRoom(s.teacher(s.atArchive(s.deleteScenario))))
	m.Handle("GET /api/rooms/{room}/scenario", s.withRoom(s.atArchive(s.getScenario)))
	s.routeLiar(m)
}

// scenarioRequest is the body of POST /api/rooms/{room}/scenario.
type scenarioRequest struct {
	Name   string          `json:"name"`
	Params *scenarioParams `json:"params"`
}

func badScenario(format string, args ...any) error {
	return httpjson.Errorf(http.StatusBadRequest, httpjson.CodeBadControl, format, args...)
}

func scenarioDef(name string) (scenarioInfo, bool) {
	for _, d := range scenarioDefs {
		if d.Name == name {
			return d, true
		}
	}
	return scenarioInfo{}, false
}

func (s *server) postScenario(w http.ResponseWriter, r *http.Request, room string) error {
	var req scenarioRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		return err
	}
	def, ok := scenarioDef(req.Name)
	if !ok {
		names := make([]string, len(scenarioDefs))
		for i, d := range scenarioDefs {
			names[i] = d.Name
		}
		return badScenario("scenario %q: want one of %v", req.Name, names)
	}
	p := def.Defaults
	if req.Params != nil {
		p = mergeParams(p, *req.Params)
	}
	if p.Pct < 0 || p.Pct > 99 || (def.Defaults.Pct > 0 && p.Pct < 1) {
		return badScenario("%s: pct: want 1 to 99", req.Name)
	}
	if p.Z < 0 || p.Z > 10 {
		return badScenario("%s: z: want 1 to 10", req.Name)
	}
	if p.Amount > 1_000_000 {
		return badScenario("%s: amount: want at most 1000000", req.Name)
	}
	if p.Rules != "" && p.Rules != "weak" && p.Rules != "default" {
		return badScenario("%s: rules: want weak or default", req.Name)
	}
	if p.Merchant != "" && !s.peerIn(room, p.Merchant) {
		return httpjson.Errorf(http.StatusNotFound, httpjson.CodeUnknownPeer, "no peer %q in room %q", p.Merchant, room)
	}
	if p.Seed == 0 {
		p.Seed = uint64(s.cfg.Clock.Now().UnixNano())
	}
	if req.Name == "timestamp" {
		if err := s.timestampRules(r.Context(), room, p.Rules); err != nil {
			return err
		}
	}
	if err := s.startScenario(room, req.Name, p); err != nil {
		return err
	}
	return httpjson.Write(w, http.StatusAccepted, s.scenarioStatus(room))
}

// mergeParams returns base with the fields set in p.
func mergeParams(base, p scenarioParams) scenarioParams {
	if p.Pct != 0 {
		base.Pct = p.Pct
	}
	if p.Z != 0 {
		base.Z = p.Z
	}
	if p.Merchant != "" {
		base.Merchant = p.Merchant
	}
	if p.Amount != 0 {
		base.Amount = p.Amount
	}
	if p.Rules != "" {
		base.Rules = p.Rules
	}
	if p.Seed != 0 {
		base.Seed = p.Seed
	}
	return base
}

func (s *server) deleteScenario(w http.ResponseWriter, r *http.Request, room string) error {
	s.stopScenario(room)
	return httpjson.Write(w, http.StatusOK, s.scenarioStatus(room))
}

func (s *server) getScenario(w http.ResponseWriter, r *http.Request, room string) error {
	return httpjson.Write(w, http.StatusOK, s.scenarioStatus(room))
}

// scenarioStatus describes room's scenario.
func (s *server) scenarioStatus(room string) scenarioStatus {
	s.scen.mu.Lock()
	run := s.scen.runs[room]
	s.scen.mu.Unlock()
	if run == nil {
		return scenarioStatus{Steps: []node.ScenarioStep{}}
	}
	run.mu.Lock()
	out := scenarioStatus{Name: run.name, Attacker: run.id, Error: run.err, Steps: slices.Clone(run.steps)}
	a, st := run.a, run.st
	run.mu.Unlock()
	select {
	case <-run.done:
	default:
		out.Running = true
	}
	if a != nil && st != nil {
		f := a.figures(st) // not under run.mu: a step holds a.mu and then says (run.mu)
		out.Figures = &f
	}
	return out
}

// stopScenario stops room's scenario, if one runs, and waits for it.
func (s *server) stopScenario(room string) {
	s.scen.mu.Lock()
	run := s.scen.runs[room]
	s.scen.mu.Unlock()
	if run != nil {
		run.cancel()
		<-run.done
	}
}

// startScenario stops room's scenario and starts name's with p.
func (s *server) startScenario(room, name string, p scenarioParams) error {
	s.stopScenario(room)
	s.scen.mu.Lock()
	defer s.scen.mu.Unlock()
	if s.scen.closed {
		return relay.ErrClosed
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &scenarioRun{name: name, cancel: cancel, done: make(chan struct{})}
	s.scen.runs[room] = run
	s.scen.wg.Add(1)
	go func() {
		defer s.scen.wg.Done()
		defer close(run.done)
		defer cancel()
		err := s.runScenario(ctx, room, run, p)
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("chainplay: scenario failed", "room", room, "scenario", name, "err", err)
			run.mu.Lock()
			run.err = err.Error()
			run.mu.Unlock()
		}
	}()
	return nil
}

// closeScenarios stops every scenario (server Close).
func (s *server) closeScenarios() {
	s.scen.mu.Lock()
	s.scen.closed = true
	for _, run := range s.scen.runs {
		run.cancel()
	}
	s.scen.mu.Unlock()
	s.scen.wg.Wait()
}

// runScenario puts the scenario's peer in room and runs its strategy.
func (s *server) runScenario(ctx context.Context, room string, run *scenarioRun, p scenarioParams) error {
	rec, _, err := s.record(room)
	if err != nil {
		return err
	}
	key := scenarioKey(rec, run.name)
	c, err := chain.New(chain.Config{Params: rec.Params})
	if err != nil {
		return err
	}
	name := attackerName
	if run.name == "liar" {
		name = liarName
	}
	n, err := node.New(node.Config{Chain: c, Key: key, Name: name, Clock: s.cfg.Clock, Miner: node.ThreadMiner{Threads: 1},
		ControlKey: rec.controlPublic()})
	if err != nil {
		return err
	}
	joined := make(chan struct{})
	var once sync.Once
	go func() {
		_ = n.StayJoined(ctx, node.JoinConfig{
			Dial: func(ctx context.Context) (node.Transport, error) {
				lc, err := s.relay.JoinLocal(ctx, room, name)
				if err != nil {
					return nil, err
				}
				run.mu.Lock()
				run.id = lc.ID()
				run.mu.Unlock()
				once.Do(func() { close(joined) })
				return localTransport{lc: lc}, nil
			},
			MinBackoff: 100 * time.Millisecond,
			MaxBackoff: 2 * time.Second,
			Stable:     time.Second,
		})
	}()
	select {
	case <-ctx.Done():
		return nil
	case <-joined:
	}
	s.awaitSync(ctx, room, n)

	st, err := s.newStrategy(room, run.name, p, n)
	if err != nil {
		s.scenarioSay(room, run, "failed", nil, err.Error())
		return err
	}
	q := st.share()
	a := &attacker{node: n, key: key, clock: s.cfg.Clock,
		pace: newPacer(p.Seed, q, func() float64 { return s.roomRate(room, run) }, designRate(rec.Params))}
	a.say = func(step string, args map[string]int64, text string) { s.scenarioSay(room, run, step, args, text) }
	run.mu.Lock()
	run.a, run.st = a, st
	run.mu.Unlock()
	err = a.run(ctx, st)
	if ctx.Err() != nil {
		s.scenarioSay(room, run, "stopped", nil, "The teacher stopped the scenario")
		return nil
	}
	return err
}

// awaitSync waits (a few seconds at most) until n has the archive's tip,
// so the attacker starts from the room's chain.
func (s *server) awaitSync(ctx context.Context, room string, n *node.Node) {
	for range 100 {
		arch, _ := s.archives.Node(room)
		if arch == nil || n.Chain().Tip().Work.Cmp(arch.Chain().Tip().Work) >= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// newStrategy builds name's strategy for room.
func (s *server) newStrategy(room, name string, p scenarioParams, n *node.Node) (strategy, error) {
	q := float64(p.Pct) / 100
	switch name {
	case "doublespend":
		addr, who, err := s.merchant(room, p.Merchant)
		if err != nil {
			return nil, err
		}
		return &doubleSpend{Q: q, Z: max(p.Z, 1), Amount: max(p.Amount, 1), Merchant: addr, MerchantName: who}, nil
	case "selfish":
		return &selfish{Q: q}, nil
	case "timestamp":
		return &timestampAttack{Q: q, Rules: p.Rules}, nil
	case "brokenkey":
		return newBrokenKey(q, p.Seed), nil
	case "liar":
		return &liar{n: n}, nil
	}
	return nil, fmt.Errorf("no scenario %q", name)
}

// merchant returns the address and nickname of peer (the first student
// with a wallet when empty), as the archive heard its hello.
func (s *server) merchant(room, peer string) (chain.Address, string, error) {
	arch, self := s.archives.Node(room)
	if arch == nil {
		return chain.Address{}, "", errors.New("nobody is in the room")
	}
	s.scen.mu.Lock()
	run := s.scen.runs[room]
	s.scen.mu.Unlock()
	attackerID := ""
	if run != nil {
		run.mu.Lock()
		attackerID = run.id
		run.mu.Unlock()
	}
	for _, ps := range arch.PeerStates() {
		if ps.ID == self || ps.ID == attackerID || ps.Address == "" || (peer != "" && ps.ID != peer) {
			continue
		}
		a, err := chain.ParseAddress(ps.Address)
		if err != nil {
			continue
		}
		if ps.Name == liarName || ps.Name == attackerName {
			continue
		}
		return a, ps.Name, nil
	}
	return chain.Address{}, "", errors.New("no student with a wallet in the room to pay")
}

// roomRate is the hash rate of room's peers but the scenario's own, as
// they report it (node.StatsBody.Rate); 0 when nobody reported.
func (s *server) roomRate(room string, run *scenarioRun) float64 {
	arch, self := s.archives.Node(room)
	if arch == nil {
		return 0
	}
	run.mu.Lock()
	id := run.id
	run.mu.Unlock()
	var r float64
	for _, ps := range arch.PeerStates() {
		if ps.ID != self && ps.ID != id && ps.Stats.Mining {
			r += ps.Stats.Rate
		}
	}
	return r
}

// scenarioSay records a step of room's scenario and announces it.
func (s *server) scenarioSay(room string, run *scenarioRun, step string, args map[string]int64, text string) {
	run.mu.Lock()
	run.seq++
	sc := node.ScenarioStep{Name: run.name, Step: step, Attacker: run.id, Seq: run.seq, Args: args, Text: text}
	if run.a != nil {
		sc.AttackerName = run.a.node.Name()
	}
	run.steps = append(run.steps, sc)
	if len(run.steps) > maxScenarioSteps {
		run.steps = slices.Delete(run.steps, 0, len(run.steps)-maxScenarioSteps)
	}
	run.mu.Unlock()
	s.class.mu.Lock()
	defer s.class.mu.Unlock()
	st := s.class.stateLocked(room)
	next := st.Clone()
	next.Scenario = &sc
	if _, err := s.announceLocked(room, node.CodeControlScenario, sc.Attacker, next); err != nil {
		s.cfg.Logger.Warn("chainplay: scenario step", "room", room, "err", err)
		return
	}
	*st = next
}

// scenarioKey is the wallet of a scenario's peer: derived from the room's
// control seed, so it is stable for the room's epoch and nobody outside
// the server knows it.
func scenarioKey(rec roomRecord, name string) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte("chainplay-scenario-key-v1\x00" + name + "\x00"))
	h.Write(rec.ControlSeed)
	fmt.Fprintf(h, "\x00%d", rec.Epoch)
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

// otherKey is a second wallet derived from key: where a double spend
// sends the coins back.
func otherKey(key ed25519.PrivateKey) ed25519.PrivateKey {
	seed := sha256.Sum256(append([]byte("chainplay-other-wallet\x00"), key.Seed()...))
	return ed25519.NewKeyFromSeed(seed[:])
}
