// Package sim is Chainplay's simulator: many chain/node peers on one
// virtual clock, connected by a latency model, mining as Poisson
// processes, some of them attackers, deterministic for a seed. It is pure
// Go with no goroutine, wall clock or logging of its own, so it runs the
// same natively (cmd/sim) and compiled to wasm in a Web Worker.
//
// # The nodes
//
// Every simulated peer is a real node.Node on its own chain.Chain: its
// blocks are validated, stored, reorganised and announced by the same code
// as a tab's, and it speaks the same messages (hello, getblocks, blocks,
// block, tx, …). The simulator drives each one through a node.Session —
// it hands a node one message at a time and collects what the node sent
// in answer — instead of Run's goroutines, so that every reaction happens
// at one instant of virtual time and in an order that depends only on the
// seed. Run's one-second timer is not driven: the simulated links lose
// nothing and every node reads the same clock, so no block is held from
// the future and no sync stalls for want of an answer.
//
// # Time and events
//
// Virtual time advances from event to event of a priority queue (time,
// then the order scheduled): a message reaching a peer, a block
// announcement (inv) reaching a peer, the next block being found. The
// nodes' node.Clock reads that time.
//
// # Mining
//
// The network's blocks are one Poisson process of rate 1/BlockInterval;
// each block is found by a miner drawn by hash share, which is the same
// process as one independent Poisson process per miner at its share of the
// rate. Nonces are not ground: every simulated chain has difficulty 1 and
// no retarget (Params), at which every header meets the proof of work
// (its hash is at most 2^256−1), so a block is sealed by building the
// node's own template — Node.Template, or Chain.NewTemplate for an
// attacker's crafted block — and submitting it. The chain still checks
// the proof of work, the merkle root, the coinbase, the timestamps and
// every transfer; each block weighs one unit of work, so the most-work
// rule is the longest-chain rule of the papers. The block *times* come
// from the Poisson process, not from hashing, so a run of a thousand
// peers costs what validating the blocks costs, not what mining them
// would.
//
// # The network
//
// Topology Room is the relay's room: every broadcast reaches every peer,
// and nodes never forward (the relay fans out). Topology Mesh gives each
// peer Degree random outbound connections, Bitcoin's 8 by default: a
// broadcast reaches the neighbours, and a block travels hop by hop as in
// Bitcoin Core — a peer that takes it onto its best chain announces it to
// its neighbours (inv), a neighbour that neither has it nor asked for it
// asks (getdata, one latency back) and receives it (one latency plus its
// size over the bandwidth). A block is charged Config.BlockSize on a link
// (1 MB in the network scenario) while its real encoding is a coinbase of
// a few hundred bytes. Latency and bandwidth come from Regions, SimBlock's
// measured tables (BitcoinNet2015, BitcoinNet2019): each peer is placed in
// a region by the table's distribution, each connection's latency drawn
// once from a Pareto distribution (ParetoShape) whose mean is the table's
// value, and its bandwidth is the lesser of the sender's upload and the
// receiver's download. Uploads to several neighbours do not share the
// bandwidth (SimBlock's simplification too). A link delivers in order.
//
// # Attackers
//
// Config.Attacker makes peer 0 play Selfish (Eyal & Sirer 2014,
// Algorithm 1; γ modelled by who hears the pool's matching block first)
// or DoubleSpend (the race of Nakamoto 2008 §11 with Rosenfeld's 2012
// pre-mined block). The attacker's node builds and validates its own
// secret branch; the simulator keeps its blocks from leaving until the
// strategy releases them.
//
// # Models
//
// SelfishNodes and DoubleSpendNodes run the full nodes. SelfishMarkov and
// DoubleSpendRace run the same strategies as state machines over the same
// Poisson process, millions of blocks a second, for the papers' curves;
// the tests check that both agree with each other and with the formulas
// (SelfishRevenue, SelfishThreshold, Rosenfeld, Nakamoto) within sampling
// error. cmd/sim's -model flag picks one.
//
// # Errors
//
// New and the scenario functions return an error wrapping ErrConfig for a
// parameter out of range, and change nothing. Run returns an error only
// if a node refuses a block the simulator built for it, which is a bug.
//
// # Concurrency
//
// A Sim is used by one goroutine. Separate Sims share nothing and may run
// in parallel.
package sim
