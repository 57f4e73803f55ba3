package node

import (
	"fmt"
	"math"
	"time"
)

// Hash rates. Every node whose mining loop runs tells the room, every
// StatsEvery, how many hashes a second it tried (a stats message): what
// the teacher's board shows as each peer's share of the room's hash
// power, and what the server gives a hash share by (ShareDuties). The
// figures are the sender's word: a modified tab can lie about them, as it
// can mine or not; they steer a lesson, never a consensus rule.

// TypeStats is the message type of a node's mining figures (StatsBody).
const TypeStats = "stats"

// StatsEvery is how often a mining node reports its figures.
const StatsEvery = 2 * time.Second

// StatsBody is a node's mining figures.
type StatsBody struct {
	Mining bool `json:"mining"` // its mining loop runs
	// Rate is the hashes per second it tried over the last StatsEvery,
	// throttle included.
	Rate float64 `json:"rate"`
	// Duty is the fraction of the time the teacher's controls let it
	// mine (DutyOf); Rate / Duty is its speed at full power.
	Duty float64 `json:"duty"`
	// Hashes counts the hashes it tried since it started.
	Hashes uint64 `json:"hashes"`
}

// HashCounter is implemented by a Miner that counts the hashes it
// tried (ThreadMiner with a Counter, the tab's Worker pool). A node
// whose Miner does not count reports a rate of 0.
type HashCounter interface {
	Hashes() uint64
}

// statsState is what a node measured of its own mining. Guarded by
// Node.mu.
type statsState struct {
	at         time.Time // when hashes was read last
	hashes     uint64
	own        StatsBody // the last figures measured
	sentMining bool      // the last stats sent said it was mining
}

// Hashes returns the hashes the node's Miner tried so far (0 for a Miner
// that does not count them).
func (n *Node) Hashes() uint64 {
	if hc, ok := n.gate().m.(HashCounter); ok {
		return hc.Hashes()
	}
	return 0
}

// Stats returns the node's own mining figures as last measured (every
// StatsEvery while it is in a room).
func (n *Node) Stats() StatsBody {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats.own
}

// measureStats measures the node's figures at now and, if its mining
// loop runs or ran at the last report, tells the room. Run calls it
// every StatsEvery.
func (n *Node) measureStats(now time.Time) {
	hashes := n.Hashes()
	duty, _ := n.miningDuty()
	mining := n.mining.Load() > 0
	n.mu.Lock()
	st := &n.stats
	if st.at.IsZero() || !now.After(st.at) {
		st.at, st.hashes = now, hashes
		n.mu.Unlock()
		return
	}
	rate := float64(hashes-st.hashes) / now.Sub(st.at).Seconds()
	if hashes < st.hashes {
		rate = 0
	}
	st.at, st.hashes = now, hashes
	st.own = StatsBody{Mining: mining, Rate: rate, Duty: duty, Hashes: hashes}
	send := mining || st.sentMining
	st.sentMining = mining
	body := st.own
	n.mu.Unlock()
	if send {
		n.send(TypeStats, "", body)
	}
}

// handleStats keeps a peer's mining figures.
func (n *Node) handleStats(m Message) {
	var b StatsBody
	if err := m.DecodeBody(&b); err != nil {
		n.reject(m.From, TypeStats, err)
		return
	}
	if math.IsNaN(b.Rate) || math.IsInf(b.Rate, 0) || b.Rate < 0 || math.IsNaN(b.Duty) || b.Duty < 0 || b.Duty > 1 {
		n.reject(m.From, TypeStats, fmt.Errorf("%w: rate %v, duty %v: want a rate ≥ 0 and a duty 0 … 1", ErrBadMessage, b.Rate, b.Duty))
		return
	}
	p := n.peer(m.From)
	n.mu.Lock()
	p.stats = b
	n.mu.Unlock()
}

// FullRate is a peer's speed at full power from its figures: Rate / Duty,
// or 0 when it does not mine or its duty is 0.
func (b StatsBody) FullRate() float64 {
	if !b.Mining || b.Duty <= 0 {
		return 0
	}
	return b.Rate / b.Duty
}
