// Package nodetest is test support for package node and the binaries
// built on it: an in-memory room, a virtual clock, a barrier, and helpers
// that build and run test nodes. It is imported by tests only; library
// code never imports it, and its API may change with the tests' needs.
//
// # The room
//
// MemNetwork behaves like the websocket relay (ids, presence, fan-out
// without echo, direct messages) without any networking, and adds what a
// test needs: Partition and Heal split and rejoin the room, Drop loses
// the next messages of a type, Sent counts the messages sent by type.
// Every peer has one FIFO inbox and a Send is delivered before it
// returns, so the order of messages is the order of the Send calls.
//
// # Barriers, not sleeps
//
// A test that asserts something did not happen ("no second getblocks")
// must first know that it would have happened by now. Conn.Barrier sends
// a ping to a node and waits for its pong: a node handles its messages in
// order and sends its answers in order, so when the pong arrives the node
// has handled every message delivered to it before the ping, and every
// message it sent meanwhile has been delivered and counted by Sent.
// Net.Settle repeats barriers over all running nodes until a round
// passes in which nobody sent anything: the room is quiet.
//
// # The clock
//
// FakeClock implements node.Clock on virtual time: Now moves only with
// Advance and Set, and a channel from After fires exactly when the clock
// reaches its deadline. AwaitWaiters lets a test wait until a node's timer
// is registered before it advances the clock, so timers fire
// deterministically.
//
// # Nodes
//
// NewNode builds a node with test defaults (chain.TestParams, a fresh
// key, a one-thread miner, a FakeClock). Net is a room of running nodes
// on one MemNetwork and one FakeClock; Start runs a node in it until the
// test ends. WaitTip, Converged, Pending and Mine wait on facts (a tip, a
// mempool entry), polling with a timeout.
package nodetest
