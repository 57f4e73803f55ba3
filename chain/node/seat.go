package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/pbft"
)

// Defaults of SeatConfig.
const (
	DefaultSeatTick = 50 * time.Millisecond
)

// SeatConfig configures a seat taken with TakeSeat.
type SeatConfig struct {
	// Key is the seat's ed25519 key, given by the teacher; its public key
	// must be one of the room's Params.Seats. Required.
	Key ed25519.PrivateKey
	// ViewTimeout is the replica's view timeout (pbft.Config). Defaults
	// to pbft.DefaultViewTimeout.
	ViewTimeout time.Duration
	// Tick is how often the replica hears the time. Defaults to
	// DefaultSeatTick.
	Tick time.Duration
	// EmptyBlockEvery, when positive, has a primary with an empty mempool
	// propose an empty block (a coinbase) that often; 0 proposes only
	// blocks with transactions.
	EmptyBlockEvery time.Duration
}

// Seat runs a PBFT replica for one of the room's seats over the node's
// room: protocol messages in and out as TypePBFT frames, committed blocks
// into the node's chain (and announced to the room), blocks the chain
// got from peers handed to the replica (catch-up). Its methods are safe
// for concurrent use; Run is its loop.
type Seat struct {
	n     *Node
	cfg   SeatConfig
	seat  int
	r     *pbft.Replica // owned by Run
	inbox chan seatMsg
	wake  chan struct{}
	fault chan pbft.Fault

	mu        sync.Mutex
	status    pbft.Status
	running   bool
	lastBlock time.Time
}

type seatMsg struct {
	from string
	m    *pbft.Message
}

// ErrNoSeat is returned by TakeSeat for a key that holds no seat of the
// room, or in a room whose engine is not PBFT.
var ErrNoSeat = errors.New("node: the key holds no seat of this PBFT room")

// TakeSeat prepares the node to run the seat cfg.Key holds; call Run to
// take part. One node holds at most one seat.
func (n *Node) TakeSeat(cfg SeatConfig) (*Seat, error) {
	p := n.chain.Params()
	if p.Engine != chain.EnginePBFT {
		return nil, fmt.Errorf("%w: the room's engine is %q", ErrNoSeat, p.Engine)
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: no key", ErrNoSeat)
	}
	keys, err := p.SeatKeys()
	if err != nil {
		return nil, err
	}
	seat := -1
	for i, k := range keys {
		if k.Equal(cfg.Key.Public()) {
			seat = i
		}
	}
	if seat < 0 {
		return nil, ErrNoSeat
	}
	if cfg.Tick <= 0 {
		cfg.Tick = DefaultSeatTick
	}
	pc, err := pbft.ConfigFor(p, seat, cfg.Key)
	if err != nil {
		return nil, err
	}
	pc.ViewTimeout = cfg.ViewTimeout
	if n.trace != nil {
		pc.SigCache = n.trace.cache // a frame's signature is verified once, by the trace
	}
	pc.Validate = func(b *chain.Block) error { return n.chain.CheckProposal(b, n.cfg.Clock.Now()) }
	r, err := pbft.New(pc)
	if err != nil {
		return nil, err
	}
	s := &Seat{n: n, cfg: cfg, seat: seat, r: r, inbox: make(chan seatMsg, 1024), wake: make(chan struct{}, 1), fault: make(chan pbft.Fault, 1)}
	s.status = r.Status()
	n.mu.Lock()
	n.seat = s
	n.mu.Unlock()
	return s, nil
}

// Seat returns the seat the node took (TakeSeat), or nil.
func (n *Node) Seat() *Seat {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.seat
}

// Index returns the seat's number.
func (s *Seat) Index() int { return s.seat }

// Status returns the replica's status after its last step.
func (s *Seat) Status() pbft.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// SetFault switches the replica's fault (the classroom's Byzantine
// replicas); it takes effect in Run's next step.
func (s *Seat) SetFault(f pbft.Fault) {
	select {
	case <-s.fault:
	default:
	}
	s.fault <- f
}

// Run runs the seat until ctx ends and returns ctx's error. The node must
// be running in the room (Node.Run) for messages to flow; Run may start
// before. It reads time from the node's Clock.
func (s *Seat) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("node: the seat is running already")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	n := s.n
	n.mu.Lock()
	n.pbft = s.deliver
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.pbft = nil
		n.mu.Unlock()
	}()
	unsub := n.chain.Subscribe(func(chain.Event) { s.poke() })
	defer unsub()
	clock := n.cfg.Clock
	tick := clock.After(s.cfg.Tick)
	ctl, ctlChanged := n.Control()
	s.obey(ctl)
	s.learn()
	for {
		pool := n.pool.Changed()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ctlChanged:
			ctl, ctlChanged = n.Control()
			s.obey(ctl)
		case m := <-s.inbox:
			out, err := s.r.Step(m.m, clock.Now())
			if err != nil {
				n.reject(m.from, TypePBFT, err)
			}
			s.handle(out)
		case <-tick:
			tick = clock.After(s.cfg.Tick)
			s.handle(s.r.Tick(clock.Now(), n.pool.Len() > 0))
		case <-s.wake:
			s.learn()
		case f := <-s.fault:
			s.r.SetFault(f)
		case <-pool:
		}
		s.propose()
		st := s.r.Status()
		s.mu.Lock()
		s.status = st
		s.mu.Unlock()
	}
}

// obey switches the replica to the fault the teacher's control c gives
// this seat (ControlState.Faults; the node obeys only controls signed by
// the room's control key). Before any control the fault stays what
// SetFault made it.
func (s *Seat) obey(c Control) {
	if c.Seq == 0 {
		return
	}
	s.r.SetFault(SeatFault(c.State, s.seat))
}

// SeatFault returns the replica fault st gives seat: FaultCrash,
// FaultEquivocate or FaultWrongVote for "crash", "equivocate" or
// "wrong-vote", else FaultNone ("slow" is the relay's latency on the
// seat's peer, not the replica's doing).
func SeatFault(st ControlState, seat int) pbft.Fault {
	f, err := pbft.ParseFault(st.Faults[seat])
	if err != nil {
		return pbft.FaultNone
	}
	return f
}

// deliver takes a pbft message from the node's reader (decoded and its
// signature verified there, handlePBFT) and queues it for Run; it is
// dropped when it is for another seat, or when the queue is full (the
// protocol resends).
func (s *Seat) deliver(from string, to int, pm *pbft.Message) {
	if to != pbft.Broadcast && to != s.seat {
		return
	}
	select {
	case s.inbox <- seatMsg{from: from, m: pm}:
	default:
	}
}

func (s *Seat) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// handle sends the output's messages, applies its decisions to the
// chain and tells the replica, and asks the room for blocks when it is
// behind.
func (s *Seat) handle(out pbft.Output) {
	n := s.n
	for {
		for _, snd := range out.Messages {
			n.send(TypePBFT, "", PBFTBody{To: snd.To, Msg: snd.Msg.Encode()})
			if n.trace != nil {
				n.trace.record(n.Self(), snd.To, snd.Msg, n.cfg.Clock.Now())
			}
		}
		applied := false
		for _, d := range out.Decisions {
			if d.Kind != pbft.Committed {
				continue
			}
			applied = true
			s.mu.Lock()
			s.lastBlock = n.cfg.Clock.Now()
			s.mu.Unlock()
			if d.Learned {
				continue // it came from the chain
			}
			if _, err := n.chain.ProcessBlock(d.Block, n.cfg.Clock.Now()); err != nil && !errors.Is(err, chain.ErrDuplicateBlock) {
				// Only with more than f faulty replicas: report the rule.
				ev := ruleEvent(EventRejected, "", "block", err)
				ev.Height, ev.Hash = d.Block.Height(), d.Block.Hash().String()
				ev.Text = fmt.Sprintf("PBFT: the committed block #%d %s breaks a rule: %v", ev.Height, d.Block.Hash().Short(), err)
				n.emit(ev)
				continue
			}
			if int(d.View%uint64(s.status.Seats)) == s.seat {
				// The view's primary tells the room; followers that miss it
				// sync from any seat's hello.
				n.announce(d.Block)
			}
		}
		if out.Fetch {
			n.resync()
		}
		if !applied {
			return
		}
		out = s.r.Applied(n.cfg.Clock.Now())
		out.Fetch = false
	}
}

// learn hands the replica the blocks of the chain after its last executed
// one: blocks the node synced from the room while the seat was behind.
func (s *Seat) learn() {
	n := s.n
	for {
		st := s.r.Status()
		if n.chain.Tip().Hash == st.Tip {
			return
		}
		blocks := n.chain.BlocksAfter([]chain.Hash{st.Tip}, 64)
		progress := false
		for _, b := range blocks {
			if b.Cert == nil {
				return
			}
			out, err := s.r.Learn(b, n.cfg.Clock.Now())
			if err != nil {
				return
			}
			s.handle(out)
			progress = true
		}
		if !progress || s.r.Status().Tip == st.Tip {
			return
		}
	}
}

// propose has the primary propose a block of its mempool when it may.
func (s *Seat) propose() {
	n := s.n
	if !s.r.CanPropose() {
		return
	}
	now := n.cfg.Clock.Now()
	if n.pool.Len() == 0 {
		s.mu.Lock()
		due := s.cfg.EmptyBlockEvery > 0 && now.Sub(s.lastBlock) >= s.cfg.EmptyBlockEvery
		s.mu.Unlock()
		if !due {
			return
		}
	}
	tpl := n.pool.Template(n.addr, now)
	out, err := s.r.Propose(tpl, now)
	if err == nil {
		s.mu.Lock()
		s.lastBlock = now
		s.mu.Unlock()
	}
	s.handle(out)
}
