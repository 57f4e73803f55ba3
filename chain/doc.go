// Package chain is the consensus core of Chainplay: hashes, headers,
// blocks, transactions, merkle roots, room parameters, the validation
// rules of consensus version 1, account state, the block tree with
// most-work fork choice, the mempool, JSON import/export of a whole chain
// and the nonce search. It is pure Go (standard library only, plus the
// nonce kernel in chain/mine): no networking, no syscall/js, no logging.
// Every tab, native node and archive peer runs it, so two honest nodes
// given the same blocks always agree.
//
// # Entry points
//
//   - New(Config{Params: p}) builds a Chain holding the room's genesis
//     block (GenesisBlock: the parameters as canonical JSON in the coinbase
//     memo, so the chain id — the genesis hash — commits to them).
//   - Chain.ProcessBlock(b, now) validates a block and adds it to the tree;
//     Tip, Balance, BlockByHash, MainChain, Locator, BlocksAfter, Tree read.
//   - NewMempool(c, cfg) keeps transactions valid on c's tip; Add, Select,
//     Template.
//   - Chain.Export / ExportJSON give the `GET /chain` dump; ImportChain,
//     Chain.Import and ParseChainJSON read one back, fully validated.
//   - Mine(ctx, header, start, count) searches nonces (midstate kernel).
//   - CheckTxSanity, CheckHeaderSanity, CheckBlockSanity, CheckProofOfWork,
//     CalcNextDifficulty and Params.SubsidyAt are the rules one by one.
//
// # Consensus rules (version 1)
//
// A block is valid when all of the following hold. Each rule fails with
// its own sentinel, wrapped in a *RuleError whose detail gives the numbers
// ("have X, want Y"). Context-free rules (CheckBlockSanity) run first, in
// this order, then the rules that need the parent, then the signatures,
// then account state when the block is connected to the best chain.
//
//	version = 1                                           ErrBadVersion
//	height ≥ 1 and previous hash ≠ 0 (only the room's
//	  own genesis has neither; it is fixed by the params)  ErrBadGenesis
//	height, difficulty, time, nonce ≤ 2^53−1; time ≥ 0;
//	  difficulty ≥ 1                                       ErrBadHeight, ErrBadDifficulty, ErrBadTime, ErrBadNonce
//	hash ≤ floor((2^256−1)/difficulty)                     ErrHighHash
//	1 … Params.MaxBlockTxs transactions                    ErrNoTxs, ErrTooManyTxs
//	merkle root of the tx ids (Bitcoin's rule)             ErrBadMerkleRoot
//	the first tx is a coinbase, and no other               ErrFirstNotCoinbase, ErrExtraCoinbase
//	every tx passes CheckTxSanity (below)
//	no two txs with the same id                            ErrDuplicateTx
//	coinbase seq = height                                  ErrBadCoinbaseSeq
//	coinbase amount = SubsidyAt(height) + Σ fees, exactly  ErrBadReward
//	parent known                                           (else held as an orphan)
//	height = parent's + 1, previous hash = parent's        ErrBadHeight, ErrBadPrevHash
//	difficulty = CalcNextDifficulty(parent)                ErrBadDifficulty
//	time > median time past of the last 11 blocks          ErrTimeTooOld
//	time ≤ local clock + Params.MaxFutureDriftMs           (else held and retried; ErrTimeTooNew on import)
//	every non-coinbase signature verifies                  ErrBadSignature
//	each tx, applied in block order to the state the txs
//	  before it left: seq = the sender's next seq,
//	  amount + fee ≤ the sender's balance                  ErrBadSeq, ErrOverspend
//	no balance above 2^53−1                                ErrBadAmount
//	no ancestor was found invalid                          ErrInvalidAncestor
//
// A transaction (CheckTxSanity): `from` is 0 (coinbase) or 32 bytes
// (ErrMalformed); `sig` is 64 bytes except in a coinbase, which has none
// (ErrBadSignature, ErrBadCoinbase); `name` ≤ 32 and `memo` ≤ 280 bytes
// (ErrTxTooBig), both UTF-8 (ErrBadText); amount, fee and amount + fee ≤
// 2^53−1 (ErrBadAmount); seq ≤ 2^53−1 (ErrBadSeq); 0 ≤ time ≤ 2^53−1
// (ErrBadTime); a coinbase has fee 0 (ErrBadCoinbase); a positive amount
// needs a recipient (ErrNoRecipient) other than the sender (ErrSelfSend).
// The signature covers the chain id followed by the canonical encoding of
// every field but `sig` (Tx.SigningMessage).
//
// # Choices where DESIGN.md is silent
//
//   - Coins are whole numbers (uint64). Halving shifts the subsidy right,
//     dropping the fraction: 50, 25, 12, 6, 3, 1, 0, …
//   - No coinbase maturity, and transactions apply in block order with the
//     coinbase first: a miner may spend a reward from the block that pays
//     it on. (Bitcoin waits 100 blocks; in a classroom that only confuses.)
//   - A coinbase may pay any address; the zero address burns the reward.
//   - A transaction's `time` is informational and only range-checked:
//     replays are prevented by `seq` and the chain id, not by time.
//   - A post is a transaction of amount 0 (Tx.IsPost): its `to` may be
//     empty, or even the sender's own address. Transfers of a positive
//     amount need a recipient that is not the sender.
//   - Named accounts (name.go): the tutorials' string accounts
//     ("someone-other-address") are ordinary addresses whose key is
//     derived from the name alone (NameKey, NameAddress), so anyone can
//     sign for them. No rule treats them specially; nodes sign for them
//     only in the tutorials' open mode.
//   - Retarget (CalcNextDifficulty documents it exactly): at heights that
//     are multiples of RetargetInterval N, over the N intervals ending at
//     the parent (N−2 the first time: the genesis time is never used, as
//     it is fixed by the parameters, not mined), clamped ×4 / ÷4 per step,
//     never below 1 nor above 2^53−1.
//   - Median time past: the times of the parent and its ancestors, up to
//     Params.MedianTimeSpan (11) of them including genesis, sorted; the
//     element at index len/2 (the upper middle for an even count).
//   - Fork choice: most cumulative work (the sum of difficulties); on a
//     tie the block this node saw first. Side-branch blocks are stored
//     after the header, context-free and signature checks; their
//     transactions are checked against state when a reorg connects them,
//     as in Bitcoin. A block that fails then is remembered as invalid with
//     all its descendants, and the chain settles on the best valid tip
//     (usually the old one). A reorg disconnects blocks with per-block
//     undo logs, so it never replays the chain from genesis.
//   - Orphans wait in a pool of Config.MaxOrphans (default 128), the
//     oldest dropped first; MissingParents lists what to ask peers for.
//     Future blocks wait in a pool of Config.MaxFutureBlocks (default 32),
//     the furthest in the future dropped first; RetryFuture and
//     NextFutureTime drive them (ProcessBlock also retries them).
//   - Stale side branches are pruned: once a branch's highest block is
//     more than Config.PruneDepth (default 100, more than a page's fork
//     tree shows) below the best tip, it leaves the tree and the event of
//     the call that pruned it lists it in Event.Pruned, so a store drops
//     it too. A branch still growing near the tip is kept whole, and the
//     best chain is never pruned; a pruned block sent again is stored and
//     pruned again at once.
//   - Duplicate transaction ids are refused even when the merkle root
//     matches (Bitcoin's CVE-2012-2459), and a block refused by a
//     context-free rule is not remembered, so its hash isn't poisoned.
//   - JSON import: a dump must be one linear chain from the genesis block;
//     the parameters are read from the genesis memo (ImportChain) or must
//     be the chain's own (Chain.Import). All signatures are verified in
//     parallel first, then blocks are checked in order; the error reported
//     is the first one a block-by-block ProcessBlock would meet.
//   - What is PoW-specific (seal, difficulty, work) sits behind the
//     Engine interface. Version 2 is PBFT (PBFTEngine, chosen by
//     Params.Engine; EngineFor): no proof of work, a commit certificate
//     beside the 100 header bytes (Block.Cert) signed by 2f+1 of the
//     replicas the genesis names, ErrNoCert, ErrShortCert, ErrBadCert and
//     ErrBadCertSeq; transactions, state and the mempool are unchanged.
//     chain/pbft is the protocol that makes the certificates.
//
// # Mempool
//
// A Mempool follows its Chain by itself: NewMempool registers it, and
// every change of the best chain updates it before ProcessBlock (or
// RetryFuture, Import) returns and before subscribers hear of it. Mined
// transactions leave; transactions a new block made invalid (a used seq, a
// spent balance) leave; the transfers of disconnected blocks come back if
// they are still valid on the new tip. A node only calls Add for
// transactions from users and peers, Template (or Select) to mine, and
// Close when done. Policy (not consensus): a sender's pending chain has
// consecutive seqs from its next seq (ErrSeqGap) and must be affordable
// from its confirmed balance alone — coins still pending can't be spent; a
// transaction reusing a pending seq replaces it only with a higher fee
// (ErrMempoolConflict); a confirmed seq is refused (ErrBadSeq); bounded
// per sender and per class of sender (ErrMempoolFull): funded senders hold
// up to MaxTxs and compete by fee, senders without coins (free posts) hold
// a share of their own, MaxUnfundedTxs, where a new post evicts the oldest
// droppable one, so throwaway keys can't lock out a student without
// coins; fee-0 transactions rate-limited per sender with the clock passed
// in (ErrRateLimited); a duplicate is refused before its signature is
// verified. Templates take each sender's next transaction by fee, then
// arrival.
//
// # Errors
//
// Every rule violation is a *RuleError: errors.Is(err, ErrXxx) names the
// rule, errors.As(err, new(*RuleError)) tells bad data from a peer apart
// from anything else, and Error() reads like "chain: coinbase pays the
// wrong amount: have 51, want 50 (subsidy 50 + fees 0)". IsRuleError is a
// shorthand; Rules lists every sentinel. ProcessBlock returns
// StatusOrphan or StatusFuture with a nil error for blocks it holds, and
// an error wrapping ErrDuplicateBlock (not bad behaviour) for blocks it
// already has or holds. Import errors are wrapped once with the block's
// height ("chain: import block 4: …"). Params.Validate and ParseParams
// return plain errors. Nothing in the package panics on bad input.
//
// # Codes and numbers
//
// Each rule has a stable code (Rule.Code, Code(err)): an API, shown to
// pages and REST clients, which choose their words by it. A *RuleError
// also carries the rule's numbers as text in Have (the value found) and
// Want (what the rule wants; a bound starts with "≤ ", "< ", "> " or
// "≥ " and a space), so a page never reads Detail. Numbers are decimal;
// hashes are 64 hex characters; times are unix ms.
//
//	code               Have                       Want
//	high-hash          block hash                 ≤ target
//	bad-merkle-root    root in the header         root of the tx ids
//	bad-height         height                     parent's + 1, or ≤ 2^53−1
//	bad-prev-hash      previous hash              the parent's hash
//	bad-difficulty     difficulty                 the retarget rule's, or a bound
//	bad-version        version                    1
//	bad-time           time                       ≥ 0 or ≤ 2^53−1
//	bad-nonce          nonce                      ≤ 2^53−1
//	time-too-old       block time                 > median time past
//	time-too-new       block time                 ≤ local clock + drift
//	no-txs             0                          ≥ 1
//	too-many-txs       tx count                   ≤ max
//	bad-coinbase       sig bytes or fee           0
//	bad-coinbase-seq   coinbase seq               height
//	bad-reward         coinbase amount            subsidy + fees
//	duplicate-tx       tx id                      —
//	tx-too-big         bytes of name or memo      ≤ 32 or ≤ 280
//	bad-amount         amount, fee, sum, balance  ≤ 2^53−1
//	bad-signature      sig bytes (when the size   64
//	                   is wrong; else none)
//	malformed          when it has them: a size, a count or hashes that differ
//	bad-seq            seq                        the sender's next seq, or ≤ 2^53−1
//	overspend          amount + fee               ≤ what the sender can spend
//	seq-gap            seq                        the next seq the mempool takes
//	mempool-conflict   fee                        > the pending transaction's fee
//	mempool-full       pending count (sender's    < its max
//	                   or the whole pool's)
//	bad-genesis        when it has them: the block's hash and the room's genesis hash
//	invalid-ancestor   the invalid ancestor's     —
//	                   (or parent's) hash
//
// The other rules (bad-text, first-not-coinbase, extra-coinbase,
// no-recipient, self-send, unknown-parent, duplicate-block,
// too-many-free-txs, coinbase-not-alone) have no numbers.
//
// # Concurrency
//
// Chain and Mempool are safe for concurrent use. A Chain has one
// sync.RWMutex: ProcessBlock, RetryFuture and Import hold it for writing
// (signature checks of one block run in parallel meanwhile), readers share
// it. Subscribe callbacks run after the change, outside the lock, one
// event at a time and in order, so a callback may call back into the Chain
// or a Mempool; it should not block for long. A Mempool's lock is always
// taken after its Chain's. Blocks and transactions handed to a Chain or a
// Mempool must not be modified afterwards, and those it returns must not
// be modified either. All rules are deterministic; the local clock is
// always a parameter.
package chain
