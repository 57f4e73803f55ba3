package pbft

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// Defaults and bounds of Config.
const (
	// DefaultViewTimeout is Config.ViewTimeout's default.
	DefaultViewTimeout = 2 * time.Second
	// MaxLogSize bounds Config.LogSize.
	MaxLogSize = 4000
	// DefaultSigCache is the size of a replica's own signature cache.
	DefaultSigCache = 4096
	// maxBackoff bounds the doubling of the view timeout: at most 2^6 T.
	maxBackoff = 6
)

// Config configures a Replica.
type Config struct {
	// ChainID is the room's chain id (its genesis hash): every signature
	// covers it. Required.
	ChainID chain.Hash
	// Seats are the replicas' public keys in seat order, 4 to
	// chain.MaxSeats of them. Required.
	Seats []ed25519.PublicKey
	// Self is this replica's seat and Key its private key, which must
	// match Seats[Self]. Required.
	Self int
	Key  ed25519.PrivateKey
	// CheckpointInterval is K: a checkpoint every K sequence numbers.
	// Required.
	CheckpointInterval uint64
	// LogSize is L, the span of sequence numbers a replica accepts above
	// its low water mark h (H = h + L). A multiple of K; defaults to 2K.
	LogSize uint64
	// ViewTimeout is T: a backup waiting for a request that has not been
	// executed for T (2T, 4T… after view changes that made no progress)
	// moves to the next view. Defaults to DefaultViewTimeout.
	ViewTimeout time.Duration
	// Retransmit is how often Tick sends again the replica's messages
	// that may have been lost (its votes on the requests under way, its
	// view change, its newest checkpoint). Defaults to ViewTimeout / 4.
	Retransmit time.Duration
	// SigCache, when set, remembers the signatures verified already
	// (shared by the replicas of one process, if there are several).
	// Defaults to a cache of this replica's own (DefaultSigCache).
	SigCache *SigCache
	// Validate reports whether b may be executed next: it is called only
	// once every decision of earlier outputs has been applied and Applied
	// called, so the caller's state is the one after the replica's last
	// executed sequence number. A replica prepares no block that fails it.
	// Required.
	Validate func(b *chain.Block) error
}

// ConfigFor returns the Config of seat self, holding key, in the PBFT
// room with parameters p: the chain id, the seats and K come from p.
// The caller sets Validate (and may tune the timers).
func ConfigFor(p chain.Params, self int, key ed25519.PrivateKey) (Config, error) {
	e, err := chain.NewPBFTEngine(p)
	if err != nil {
		return Config{}, err
	}
	return Config{ChainID: e.ChainID(), Seats: e.Seats(), Self: self, Key: key, CheckpointInterval: p.CheckpointInterval}, nil
}

// Errors of Propose and Learn.
var (
	ErrNotPrimary = errors.New("pbft: this replica is not the primary of its view")
	ErrViewChange = errors.New("pbft: a view change is under way")
	ErrBusy       = errors.New("pbft: the previous request is not executed yet")
	ErrWindowFull = errors.New("pbft: the log is full up to the high water mark (waiting for a stable checkpoint)")
	ErrNotNext    = errors.New("pbft: block does not extend the replica's last executed block")
	ErrCrashed    = errors.New("pbft: this replica is crashed (fault)")
)

// Replica is one PBFT replica: a pure state machine. Time and messages go
// in (Step, Tick, Propose, Learn, Applied), messages to send and
// decisions come out (Output). It has no goroutines, no clock and no
// network of its own, and it is not safe for concurrent use: one owner
// calls it.
type Replica struct {
	cfg     Config
	seats   []ed25519.PublicKey
	n, f, q int
	k, l    uint64
	self    int
	fault   Fault

	view     uint64
	changing bool      // left view−1, waiting for the NEW-VIEW of view
	vcStart  time.Time // when the view change to view started
	vcQuorum time.Time // when 2f+1 view changes for view were in (zero: not yet)
	attempts int       // view changes since the last execution
	newView  *Message  // the NEW-VIEW that started the view (nil in view 0)

	h            uint64     // low water mark: the last stable checkpoint
	stableDigest chain.Hash // its state
	stableProof  []*Message // its 2f+1 checkpoints (none at 0)

	executed   uint64     // last executed sequence number
	tip        chain.Hash // last executed block (the chain id at first)
	nextSeq    uint64     // the next sequence number a primary assigns
	awaitApply bool       // an output's decisions are not applied yet
	behind     bool       // it lacks committed blocks: Output.Fetch

	log         map[uint64]*entry
	checkpoints map[uint64]map[int]*Message // in (h, h+L], by sender
	ahead       map[int]uint64              // per sender, its highest checkpoint above h+L
	viewChanges map[int]*Message            // per sender, its latest view change

	timerOn    bool
	timerStart time.Time
	timerExec  uint64
	fetchAsked bool // this run of the timer asked for a fetch already
	lastResend time.Time
	now        time.Time // the time of the last call

	out   Output
	stats Stats
}

// entry is the log of one sequence number.
type entry struct {
	seq         uint64
	view        uint64       // the view of pp
	pp          *Message     // the accepted pre-prepare of view, without its block
	block       *chain.Block // its block (nil: a null request or not known yet)
	validated   bool         // may be prepared: Validate passed, or re-proposed in a NEW-VIEW
	rejected    error        // Validate failed
	sentPrepare bool
	sentCommit  bool
	committed   bool
	cert        *chain.CommitCert
	prepares    map[int]*Message // the latest prepare of each seat
	commits     map[int]*Message // the latest commit of each seat
	prepared    *Prepared        // the certificate of the latest view it prepared in
	prepBlock   *chain.Block     // that certificate's block
}

// New returns a replica in view 0 that has executed nothing (its last
// block is the genesis, whose hash is the chain id).
func New(cfg Config) (*Replica, error) {
	n := len(cfg.Seats)
	switch {
	case n < chain.MinSeats || n > chain.MaxSeats:
		return nil, fmt.Errorf("pbft: %d seats: want %d to %d", n, chain.MinSeats, chain.MaxSeats)
	case cfg.Self < 0 || cfg.Self >= n:
		return nil, fmt.Errorf("pbft: seat %d of %d", cfg.Self, n)
	case len(cfg.Key) != ed25519.PrivateKeySize || !cfg.Key.Public().(ed25519.PublicKey).Equal(cfg.Seats[cfg.Self]):
		return nil, fmt.Errorf("pbft: the key is not seat %d's", cfg.Self)
	case cfg.CheckpointInterval < 1:
		return nil, errors.New("pbft: CheckpointInterval is required")
	case cfg.Validate == nil:
		return nil, errors.New("pbft: Validate is required")
	}
	if cfg.LogSize == 0 {
		cfg.LogSize = 2 * cfg.CheckpointInterval
	}
	if cfg.LogSize%cfg.CheckpointInterval != 0 || cfg.LogSize > MaxLogSize {
		return nil, fmt.Errorf("pbft: LogSize %d: want a multiple of K = %d, at most %d", cfg.LogSize, cfg.CheckpointInterval, MaxLogSize)
	}
	if cfg.ViewTimeout <= 0 {
		cfg.ViewTimeout = DefaultViewTimeout
	}
	if cfg.SigCache == nil {
		cfg.SigCache = NewSigCache(DefaultSigCache)
	}
	if cfg.Retransmit <= 0 {
		cfg.Retransmit = cfg.ViewTimeout / 4
	}
	r := &Replica{
		cfg: cfg, seats: slices.Clone(cfg.Seats), n: n, f: (n - 1) / 3, q: chain.Quorum(n),
		k: cfg.CheckpointInterval, l: cfg.LogSize, self: cfg.Self,
		stableDigest: cfg.ChainID, tip: cfg.ChainID, nextSeq: 1,
		log: make(map[uint64]*entry), checkpoints: make(map[uint64]map[int]*Message),
		ahead: make(map[int]uint64), viewChanges: make(map[int]*Message),
	}
	return r, nil
}

// Output is what one call produced: the messages to send, in order, and
// the decisions, in order. Fetch asks the caller to find the committed
// blocks after the replica's last executed one (Status().Tip) and hand
// them to Learn: the replica is behind (it missed a commit, or the
// others' stable checkpoint is past its state).
type Output struct {
	Messages  []Send
	Decisions []Decision
	Fetch     bool
}

// Broadcast is Send.To for a message to every other seat.
const Broadcast = -1

// Send is a message to one seat, or to every other seat (Broadcast).
type Send struct {
	To  int
	Msg *Message
}

// DecisionKind says what a Decision is.
type DecisionKind uint8

const (
	// Committed: Block (with its Cert set) was executed at Seq: apply it.
	Committed DecisionKind = 1 + iota
	// CommittedNull: a null request (or a block that did not extend the
	// last one, which can only happen with more than f faulty replicas)
	// was executed at Seq: nothing to apply.
	CommittedNull
	// Stable: the checkpoint at Seq with state Digest became stable; the
	// log below it is gone.
	Stable
	// ViewChangeStarted: the replica left its view for View.
	ViewChangeStarted
	// NewViewEntered: the replica entered View.
	NewViewEntered
)

var decisionNames = [...]string{"", "committed", "committed-null", "stable", "view-change", "new-view"}

func (k DecisionKind) String() string {
	if int(k) < len(decisionNames) && k > 0 {
		return decisionNames[k]
	}
	return fmt.Sprintf("DecisionKind(%d)", uint8(k))
}

// Decision is one thing the replica decided.
type Decision struct {
	Kind   DecisionKind
	Seq    uint64
	View   uint64
	Digest chain.Hash
	// Block is a committed block with its certificate (Block.Cert); a
	// copy of the proposed block's struct, sharing its transactions.
	Block *chain.Block
	// Learned is set for a block handed to Learn (not voted on here).
	Learned bool
}

// primary returns the seat of view v's primary: v mod n.
func (r *Replica) primary(v uint64) int { return int(v % uint64(r.n)) }

// isPrimary reports whether this replica is the primary of view v.
func (r *Replica) isPrimary(v uint64) bool { return r.primary(v) == r.self }

// inWindow reports whether seq is between the water marks: h < seq ≤ h + L.
func (r *Replica) inWindow(seq uint64) bool { return seq > r.h && seq <= r.h+r.l }

// take returns the output built so far and starts a new one.
func (r *Replica) take() Output {
	o := r.out
	r.out = Output{}
	if r.behind && !r.crashed() {
		o.Fetch = true
	}
	return o
}

func (r *Replica) crashed() bool { return r.fault == FaultCrash }

// send signs m as this replica and queues it for to.
func (r *Replica) send(to int, m *Message) {
	r.out.Messages = append(r.out.Messages, Send{To: to, Msg: m})
	r.stats.Sent[m.Kind]++
}

// sign fills in From and Sig.
func (r *Replica) sign(m *Message) *Message {
	m.From = r.self
	m.Sign(r.cfg.Key, r.cfg.ChainID)
	return m
}

func (r *Replica) decide(d Decision) { r.out.Decisions = append(r.out.Decisions, d) }

// Step hands the replica one message from the room at time now. The
// message is verified first (signature, sender, proofs): an invalid one is
// refused with an error wrapping ErrInvalid and changes nothing. Messages
// outside the replica's view or water marks are dropped silently (they
// are stale or early, not wrong).
func (r *Replica) Step(m *Message, now time.Time) (Output, error) {
	r.now = now
	if r.crashed() || m == nil || m.From == r.self {
		return r.take(), nil
	}
	r.stats.Received[m.Kind]++
	if err := r.verify(m); err != nil {
		r.stats.Invalid++
		return r.take(), err
	}
	switch m.Kind {
	case KindPrePrepare:
		r.onPrePrepare(m, now)
	case KindPrepare, KindCommit:
		r.onVote(m, now)
	case KindCheckpoint:
		r.onCheckpoint(m)
	case KindViewChange:
		r.onViewChange(m, now)
	case KindNewView:
		r.onNewView(m, now)
	}
	return r.take(), nil
}

// Applied tells the replica that the decisions of its earlier outputs are
// applied to the caller's state, so blocks waiting on them can be
// validated. Call it after every output with a Committed decision.
func (r *Replica) Applied(now time.Time) Output {
	r.now = now
	if r.crashed() {
		return r.take()
	}
	r.awaitApply = false
	r.progress(now)
	return r.take()
}
