package pbft_test

import (
	"container/heap"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/pbft"
)

// The simulated network: n replicas on a virtual clock, each message
// encoded, delayed, maybe dropped, duplicated and so reordered, all drawn
// from one seeded source, so a run is a function of its seed.

// netConfig shapes a run's network.
type netConfig struct {
	minDelay, maxDelay time.Duration
	drop, dup          float64       // probabilities per message and destination
	slowDelay          time.Duration // extra delay to and from a slow replica
}

// behaviour is what a replica of a run does.
type behaviour int

const (
	honest behaviour = iota
	crashed
	slow
	equivocating
	wrongVoting
)

func (b behaviour) String() string {
	return [...]string{"honest", "crashed", "slow", "equivocating", "wrong-voting"}[b]
}

// byzantine reports whether the replica's own commits say nothing (its
// code is honest, but a Byzantine replica could have run anything).
func (b behaviour) byzantine() bool { return b == equivocating || b == wrongVoting }

type event struct {
	at    time.Time
	order int
	to    int
	msg   []byte // a message, or nil for a fetch
	fetch bool
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].order < q[j].order
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// app is a replica's state machine: the chain of blocks it applied.
type app struct {
	blocks []*chain.Block // genesis first (nil genesis block: just its hash)
	tip    chain.Hash
	seqs   []uint64 // the sequence number of each applied block
}

type sim struct {
	t        testing.TB
	rng      *rand.Rand
	cfg      netConfig
	chainID  chain.Hash
	seats    []ed25519.PublicKey
	reps     []*pbft.Replica
	apps     []*app
	behave   []behaviour
	q        queue
	order    int
	now      time.Time
	target   int                   // blocks wanted
	decided  map[uint64]chain.Hash // seq → digest committed by an honest replica
	msgs     int                   // messages delivered
	sent     int                   // messages sent (per destination)
	bytes    int
	stepErrs int
	tick     time.Duration
	down     map[int]bool        // crashed for now (by the test, not from the start)
	certOK   map[chain.Hash]bool // blocks whose certificate one replica had verified
	allCerts bool                // verify every replica's certificate, not one per block
}

const k = 3 // checkpoint interval of most runs

func newSim(t testing.TB, seed uint64, n int, cfg netConfig, behave []behaviour, target int) *sim {
	t.Helper()
	s := &sim{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cfg: cfg, behave: behave,
		now: time.UnixMilli(chain.TestParams.GenesisTime + 1000), target: target,
		decided: make(map[uint64]chain.Hash), tick: 50 * time.Millisecond, down: make(map[int]bool),
		certOK: make(map[chain.Hash]bool),
	}
	cache := pbft.NewSigCache(1 << 12) // one per run: each signature is checked once, not by every replica
	p := chaintest.PBFTParams(n, k)
	s.chainID = chain.GenesisBlock(p).Hash()
	keys := chaintest.SeatKeys(n)
	for i := range n {
		s.seats = append(s.seats, keys[i].Public().(ed25519.PublicKey))
	}
	for i := range n {
		a := &app{tip: s.chainID}
		cfg, err := pbft.ConfigFor(p, i, keys[i])
		if err != nil {
			t.Fatal(err)
		}
		cfg.ViewTimeout = 500 * time.Millisecond
		cfg.Retransmit = 150 * time.Millisecond
		cfg.SigCache = cache
		cfg.Validate = func(b *chain.Block) error {
			if b.Header.PrevHash != a.tip || b.Header.Height != uint64(len(a.blocks))+1 {
				return fmt.Errorf("block %d on %s does not follow %d blocks on %s", b.Header.Height, b.Header.PrevHash.Short(), len(a.blocks), a.tip.Short())
			}
			return nil
		}
		r, err := pbft.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		switch behave[i] {
		case crashed:
			r.SetFault(pbft.FaultCrash)
		case equivocating:
			r.SetFault(pbft.FaultEquivocate)
		case wrongVoting:
			r.SetFault(pbft.FaultWrongVote)
		}
		s.reps = append(s.reps, r)
		s.apps = append(s.apps, a)
	}
	return s
}

func (s *sim) push(e *event) {
	s.order++
	e.order = s.order
	heap.Push(&s.q, e)
}

// deliver queues m from seat from to seat to, through the network.
func (s *sim) deliver(from, to int, enc []byte) {
	s.sent++
	if s.rng.Float64() < s.cfg.drop {
		return
	}
	copies := 1
	if s.rng.Float64() < s.cfg.dup {
		copies = 2
	}
	for range copies {
		d := s.cfg.minDelay + time.Duration(s.rng.Int64N(int64(s.cfg.maxDelay-s.cfg.minDelay)+1))
		if s.behave[from] == slow || s.behave[to] == slow {
			d += s.cfg.slowDelay
		}
		s.push(&event{at: s.now.Add(d), to: to, msg: enc})
	}
}

// handle processes one output of replica i.
func (s *sim) handle(i int, out pbft.Output) {
	for len(out.Messages) > 0 || len(out.Decisions) > 0 || out.Fetch {
		for _, snd := range out.Messages {
			enc := snd.Msg.Encode()
			s.bytes += len(enc)
			if snd.To == pbft.Broadcast {
				for j := range s.reps {
					if j != i {
						s.deliver(i, j, enc)
					}
				}
			} else {
				s.deliver(i, snd.To, enc)
			}
		}
		applied := false
		for _, d := range out.Decisions {
			if d.Kind == pbft.Committed {
				s.apply(i, d)
				applied = true
			}
		}
		if out.Fetch {
			s.push(&event{at: s.now.Add(20 * time.Millisecond), to: i, fetch: true})
		}
		out = pbft.Output{}
		if applied {
			out = s.reps[i].Applied(s.now)
			out.Fetch = false // asked already
		}
	}
}

// apply applies a committed block to replica i's app, checking safety.
func (s *sim) apply(i int, d pbft.Decision) {
	s.t.Helper()
	a := s.apps[i]
	b := d.Block
	if b.Header.PrevHash != a.tip {
		s.t.Fatalf("replica %d: committed block %s at %d does not extend its tip %s", i, b.Hash().Short(), d.Seq, a.tip.Short())
	}
	if !s.certOK[b.Hash()] || s.allCerts {
		if err := chain.VerifyCert(b.Cert, s.chainID, s.seats, b.Hash()); err != nil {
			s.t.Fatalf("replica %d: certificate of the block at %d: %v", i, d.Seq, err)
		}
		s.certOK[b.Hash()] = true
	}
	if b.Cert.Seq != d.Seq {
		s.t.Fatalf("replica %d: certificate at %d, decision at %d", i, b.Cert.Seq, d.Seq)
	}
	if !s.behave[i].byzantine() {
		if prev, ok := s.decided[d.Seq]; ok && prev != d.Digest {
			s.t.Fatalf("SAFETY: replica %d committed %s at %d, another honest replica %s", i, d.Digest.Short(), d.Seq, prev.Short())
		}
		s.decided[d.Seq] = d.Digest
	}
	a.blocks = append(a.blocks, b)
	a.seqs = append(a.seqs, d.Seq)
	a.tip = b.Hash()
}

// fetch hands replica i the blocks after its tip from another replica
// that has more (an honest one, as a node's chain sync would find: every
// block carries its certificate, which Learn verifies).
func (s *sim) fetch(i int) {
	a := s.apps[i]
	best := -1
	for j, o := range s.apps {
		if j != i && !s.behave[j].byzantine() && len(o.blocks) > len(a.blocks) && (best < 0 || len(o.blocks) > len(s.apps[best].blocks)) {
			best = j
		}
	}
	if best < 0 {
		return
	}
	for _, b := range s.apps[best].blocks[len(a.blocks):] {
		out, err := s.reps[i].Learn(b, s.now)
		if err != nil {
			s.t.Fatalf("replica %d: learn: %v", i, err)
		}
		s.handle(i, out)
	}
}

// block builds replica i's next block: on its tip, with a random merkle
// root (a stand-in for its mempool's transactions).
func (s *sim) block(i int) *chain.Block {
	a := s.apps[i]
	var root chain.Hash
	for j := range root {
		root[j] = byte(s.rng.IntN(256))
	}
	return &chain.Block{Header: chain.Header{
		Version: chain.VersionPBFT, Height: uint64(len(a.blocks)) + 1, Time: s.now.UnixMilli(),
		Difficulty: 1, PrevHash: a.tip, MerkleRoot: root,
	}}
}

// honestDone reports whether every honest, running replica has target blocks.
func (s *sim) honestDone() bool {
	for i, a := range s.apps {
		if s.behave[i] == honest || s.behave[i] == slow {
			if !s.down[i] && len(a.blocks) < s.target {
				return false
			}
		}
	}
	return true
}

// run advances the simulation until stop() or the virtual deadline.
func (s *sim) run(d time.Duration, stop func() bool) {
	s.t.Helper()
	end := s.now.Add(d)
	nextTick := s.now
	for s.now.Before(end) {
		if stop != nil && stop() {
			return
		}
		if s.q.Len() > 0 && s.q[0].at.Before(nextTick) {
			e := heap.Pop(&s.q).(*event)
			s.now = e.at
			if s.down[e.to] {
				continue
			}
			if e.fetch {
				s.fetch(e.to)
				continue
			}
			m, err := pbft.DecodeMessage(e.msg)
			if err != nil {
				s.t.Fatalf("decode: %v", err)
			}
			s.msgs++
			out, err := s.reps[e.to].Step(m, s.now)
			if err != nil {
				s.stepErrs++
			}
			s.handle(e.to, out)
			continue
		}
		s.now = nextTick
		nextTick = nextTick.Add(s.tick)
		for i, r := range s.reps {
			if s.down[i] {
				continue
			}
			waiting := len(s.apps[i].blocks) < s.target
			s.handle(i, r.Tick(s.now, waiting))
			if waiting && r.CanPropose() {
				out, err := r.Propose(s.block(i), s.now)
				if err == nil {
					s.handle(i, out)
				}
			}
		}
	}
}

// check verifies, at the end of a run, that the honest replicas' chains
// agree: each is a prefix of the longest.
func (s *sim) check() {
	s.t.Helper()
	var longest []*chain.Block
	for i, a := range s.apps {
		if !s.behave[i].byzantine() && len(a.blocks) > len(longest) {
			longest = a.blocks
		}
	}
	for i, a := range s.apps {
		if s.behave[i].byzantine() {
			continue
		}
		for h, b := range a.blocks {
			if b.Hash() != longest[h].Hash() {
				s.t.Fatalf("SAFETY: replica %d has block %s at height %d, another %s", i, b.Hash().Short(), h+1, longest[h].Hash().Short())
			}
		}
	}
}
