// Package node is a Chainplay peer: a chain.Chain and chain.Mempool plus
// the protocol that keeps them in step with a room, and the tutorials'
// REST API. The same code runs in a browser tab (wasm/node), in the
// headless cmd/node, and as the server's archive peer of each room.
//
// # Transports
//
// A Node talks to its room through a Transport: DialRelay joins a room of
// the websocket relay (the same code natively and under GOOS=js); the
// test-support package nodetest has an in-memory room (MemNetwork, with
// partitions and lost messages), a virtual clock and a barrier. The relay
// fills in each message's From and delivers it to To alone when set.
//
// # Messages
//
// Every frame is a Message envelope {type, from, to, body}; bodies are
// JSON (msg.go):
//
//	hello       HelloBody: genesis, tip, height, cumulative work, nickname;
//	            sent to the room on joining and to each newcomer
//	getblocks   GetBlocksBody: a block locator; asks for the best-chain
//	            blocks after the fork point
//	blocks      BlocksBody: up to MaxBlocksPerBatch blocks and at most
//	            MaxBatchBytes of them, oldest first, each in chain's canonical
//	            binary encoding (base64); More says another batch follows
//	block       a block just mined, as JSON (the REST API's shape), announced
//	            by its miner; a miner faster than the relay announces its
//	            tip and peers fetch the blocks between by locator
//	tx          a transaction, announced once by its sender
//	getmempool  asks a peer for its pending transactions (after hello)
//	txs         TxsBody: the answer
//	ping        PingBody: a nonce; the receiver answers with a pong to the
//	            sender once it has handled everything received before it
//	pong        PingBody: the ping's nonce
//	peers, join, leave, error   from the relay: presence and complaints;
//	            the welcome (peers) states the relay's Limits
//
// # Sync
//
// A node syncs from any peer whose hello announces more work, and from the
// sender of an orphan block, one peer at a time and that peer once at a
// time (sync.go): it asks for the blocks after its locator, asks for the
// next batch before it works through the one that came, and validates a
// batch a chunk at a time (chain.ProcessBlocks), calling Config.Yield
// between chunks so a tab stays responsive; EventSync reports started,
// progress and done. It never echoes what it receives (the relay already
// fans out), says hello again when its tip moved (every resync interval),
// and after a reconnect catches up by the same hello exchange. The frames
// it gets most decode without encoding/json's scans (wire.go). A peer
// that claims more work than it delivers (no answer within its lease, or
// an answer that brings nothing new) stalls the sync: the node asks the
// next best peer, holds it against the liar (ErrSyncStalled) and passes
// the liar over for a while, so a lie cannot keep a newcomer at height 0.
//
// # Sending
//
// Each connection has one writer (outbox.go): a bounded queue, and one slot
// for the newest block this node announces; it paces every frame below the
// rate the relay's welcome states, so a node is never closed for its rate.
//
// # Store
//
// With Config.Store, every block the chain stores (main chain or side
// branch, in order) is written on a goroutine of its own, in batches
// (persist.go): validation never waits for the disk or IndexedDB. Flush
// waits for the writes. When the store is a BlockPruner, the stale side
// branches the chain prunes (chain.Config.PruneDepth) are deleted from it
// too, and so are those its replay prunes.
//
// # Misbehaviour
//
// Nothing from a peer is trusted. Every message is bounded in rate
// (PeerRate, PeerBurst) and in size before it is decoded (MaxBodySize: a
// hello, a tx, a getblocks, a ping are small; MaxMessageSize for the
// rest), and a hello's work has at most MaxWorkDigits digits and its
// nickname at most 32 bytes. Data that breaks a rule becomes an
// EventRejected naming the peer and the rule, and a point on the peer's
// score, which decays by ScoreDecayPerMinute (score.go); at BanThreshold
// the peer is ignored until it reconnects. A txs message is taken once per
// connection, as the answer to our getmempool; one nobody asked for, or
// one with copies of a transaction, is a violation. A getblocks sent to
// the whole room gets at most MaxBroadcastBlocks blocks from each peer. A
// transaction refused by mempool policy (a full pool, a rate limit, a seq
// already used on another branch) is reported but not held against the
// peer. A block from the future is held and retried, not rejected.
//
// # REST API
//
// Handler serves the tutorials' endpoints (GET /chain, POST
// /transactions/new, POST /new_transaction, GET /mine, GET /pending_tx,
// POST /nodes/register, GET /nodes/resolve, POST /register_with, POST
// /register_node, POST /add_block) and the native ones (POST /tx, GET
// /blocks/{hash}, GET /tip, GET /balance/{account}, GET /wallet, GET
// /peers). Bad input gets a 4xx whose JSON names the rule that failed;
// nothing partial is stored. APIConfig.Tutorial selects the tutorials'
// open modes (tutorial.go): the node signs for named accounts
// (chain.NameKey) as dvf's unsigned world assumes, and in IBM's mode
// mines only pending posts and shows only posts in GET /chain.
//
// The tutorials' HTTP peers (httppeers.go) are kept only when they are on
// this node's chain: a node is asked for its GET /tip (which only
// Chainplay nodes have) before it is registered with or sent a block, so
// the tutorials' own Flask nodes are refused cleanly (ErrForeignChain)
// and never sent anything they would fail on. Peer URLs are written with
// Flask's trailing slash (PeerURL).
//
// # Time
//
// Every time a node reads or waits for comes from Config.Clock: block and
// transaction times, the future-block check, the sync lease (a peer asked
// for blocks has firstStall to answer its first getblocks and syncStall
// the later ones before another is asked), the decay of peer scores and
// Run's timers (held future blocks are retried every second, and every
// five seconds a peer that announced more work is asked again). A test
// that runs nodes on a virtual clock (nodetest.FakeClock) decides when
// each of these happens.
//
// # Mining
//
// MineLoop is the one mining loop of every binary (Mining runs it for a
// page's buttons): a new tip abandons the template at once, a change of
// the mempool that would change the template's transactions replaces it
// (Mempool.Changed, no polling), a template MineConfig.MaxAge old gets a
// fresh timestamp, all on the node's Clock. Every search goes through one
// gate in front of Config.Miner (minergate.go): GET /mine and MineBlock
// take the Miner from the loop, which gets ErrPreempted and waits until
// the Miner is idle, so the rule is the same for ThreadMiner natively and
// the Web Worker pool in a tab.
//
// # Concurrency
//
// All methods of Node are safe for concurrent use. Run owns one reader
// loop and one writer goroutine per connection; sending never blocks the
// reader (a full send queue drops announcements, sync asks again).
// Subscribers get events on the goroutine that caused them and must not
// block.
package node
