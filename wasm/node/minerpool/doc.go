// Package minerpool drives a tab's mining: a pool of miner Workers (one Web
// Worker each, running wasm/miner) that together search one block
// template's nonces. It implements node.Miner, so the tab's node mines
// through it, and it keeps the figures the miner panel shows.
//
// The package is plain Go: the browser side is a Worker interface, which
// wasm/node implements over a JS Web Worker and the tests implement with
// goroutines. So everything here runs and is tested on the host.
//
// # What the pool does
//
//   - Solve splits the nonces below 2^53 among the workers, sends each its
//     range, and returns the first nonce a worker finds, after checking the
//     proof of work itself: a worker's word is never trusted, and a wrong
//     nonce is reported and refused while that worker resumes past it.
//   - Cancelling Solve's context stops every worker at once (a stop message;
//     the worker sees it within ~20 ms). A new tip or template is a cancel
//     followed by a new Solve.
//   - SetWorkers grows or shrinks the pool (1 … MaxWorkers); a running
//     search is re-split over the new set at once. SetDuty throttles every
//     worker (10 … 100 % of the time).
//   - A worker that crashes (its Worker fails or its Go program exits) is
//     reported through Config.OnEvent, replaced by a new one, and given its
//     range again. A worker that keeps crashing is restarted with a growing
//     delay (up to 30 s).
//   - Stats gives the hash rate per worker and in total, the expected time
//     to a block, and the progress of the current round: the hashes tried on
//     top of the current tip (across template refreshes) against the
//     expected number (the difficulty), and the lowest hash seen.
//
// # The worker protocol
//
// The messages are package wasm/internal/minerproto's (the Worker's side
// is wasm/miner): Job is {type:"job"}, Worker.Stop is {type:"stop"},
// Worker.SetDuty is {type:"throttle"}, and a Report is one of ready,
// progress, found, exhausted, stopped or crash. hashes and elapsed count
// from the start of a job. ready names the worker's nonce kernel (wasm
// SIMD, wasm scalar or Go), which Stats passes on to the panel.
//
// # Errors
//
// Solve returns ctx's error when cancelled, node.ErrNoNonce when every
// worker exhausted its range, node.ErrPreempted when another Solve took
// the workers, and ErrClosed after Close. The tab's node never runs two
// Solves at once (its GET /mine takes the Miner from its mining loop by
// the node's own rule, see node.MineLoop), so the last is a safeguard.
//
// # Concurrency
//
// A Pool is safe for concurrent use. Reports may come from any goroutine (in
// the browser, from JS callbacks) and never block. The pool calls Worker
// methods and Spawn with its lock held, so they must not block or report
// synchronously; it calls Config.OnEvent without the lock.
package minerpool
