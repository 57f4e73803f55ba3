// Package pbft is the protocol core of a PBFT room: Castro and Liskov's
// Practical Byzantine Fault Tolerance (OSDI 1999) ordering blocks of
// transactions among n = 3f+1 replicas, any f of which may be faulty.
//
// It is pure: a Replica has no goroutines, no clock and no network. Time
// and messages go in — Step (a message from the room), Tick (the time, and
// whether the caller has transactions waiting), Propose (the primary's
// next block), Learn (a committed block fetched from a peer), Applied (the
// caller applied the decisions) — and each call returns an Output: the
// signed messages to send and the decisions (a committed block with its
// commit certificate, a null request, a stable checkpoint, a view change,
// a new view). So the protocol is tested deterministically under go test
// with a simulated network, and the same code runs natively and in a tab.
//
// # Protocol
//
//   - View v has primary v mod n. The primary assigns the next sequence
//     number to a block from its mempool and sends PRE-PREPARE(v, s, d)
//     with the block (d is its hash). A backup accepts it when it is in
//     view v, s is between its water marks and it has no other digest for
//     (v, s); it validates the block once it has executed s−1 (the block
//     must extend its last executed block and pass Config.Validate) and
//     sends PREPARE(v, s, d).
//   - Prepared: the pre-prepare and 2f matching prepares from backups.
//     The replica sends COMMIT(v, s, d), signed over
//     chain.CommitSigningBytes, so any 2f+1 commits form the block's
//     chain.CommitCert.
//   - Committed: prepared and 2f+1 matching commits. Requests execute in
//     sequence order; a block is applied, a null request is skipped.
//   - Every K sequence numbers (chain.Params.CheckpointInterval) a
//     replica sends CHECKPOINT(s, state) with its state the hash of its
//     last executed block; 2f+1 matching ones make it stable: the low
//     water mark h moves to s, the log up to s is dropped, and the
//     replica accepts sequence numbers in (h, h+L] (L = Config.LogSize).
//   - View change: a backup that waits too long for a request
//     (Config.ViewTimeout, doubling while view changes make no progress),
//     or sees f+1 replicas ask for a higher view, sends VIEW-CHANGE(v+1)
//     with its stable checkpoint's proof and its prepared certificates.
//     The new primary, once it holds 2f+1, sends NEW-VIEW with them and a
//     pre-prepare for each sequence number from the latest stable
//     checkpoint to the highest prepared one: the digest prepared in the
//     highest view, or a null request. Every replica recomputes that list
//     and refuses a NEW-VIEW that differs.
//   - Catch-up: a replica that missed commits (or whose state is behind a
//     stable checkpoint) sets Output.Fetch; its owner gives it the
//     committed blocks after its tip, each with its certificate, via
//     Learn.
//   - Every message is signed with the sender's seat key (ed25519, over
//     the chain id, so nothing replays across rooms) and every message
//     received is verified, nested proofs included, before it counts.
//
// Messages travel as Message.Encode bytes (DecodeMessage reads them);
// blocks beside pre-prepares are not signed, only bound by their digest.
//
// # Faults
//
// For the classroom a replica can be switched to a Fault: FaultCrash
// (silent), FaultEquivocate (a primary sending different pre-prepares for
// one sequence number to different backups) or FaultWrongVote (a backup
// voting for a wrong digest). A slow replica is its network's matter.
// With at most f faulty replicas every honest replica commits the same
// blocks, and a silent or lying primary is replaced by a view change;
// with f+1 the room stops (Status.Code CodeNoQuorum) but commits nothing
// that conflicts.
//
// # Errors
//
// Step returns an error wrapping ErrInvalid for a message that breaks
// the protocol (it changes nothing). Propose returns ErrNotPrimary,
// ErrViewChange, ErrBusy, ErrWindowFull, ErrNotNext or Validate's error;
// Learn returns chain's *RuleError for a bad certificate (ErrNoCert,
// ErrShortCert, ErrBadCert) or ErrNotNext.
package pbft
