package chain

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Params are a room's consensus parameters. They are fixed in the genesis
// block: its coinbase memo carries them as canonical JSON, so the chain id
// (the genesis hash) commits to them.
type Params struct {
	// Name is the room's display name, 1–32 bytes.
	Name string `json:"name"`
	// GenesisTime is the genesis block's time in unix milliseconds, so every
	// node started with the same parameters builds the same genesis.
	GenesisTime int64 `json:"genesis_time"`
	// Difficulty is the initial difficulty (expected hashes per block), ≥ 1.
	Difficulty uint64 `json:"difficulty"`
	// BlockTimeMs is the target time between blocks in milliseconds.
	BlockTimeMs int64 `json:"block_time_ms"`
	// RetargetInterval is how many blocks pass between difficulty
	// adjustments; 0 keeps the difficulty fixed.
	RetargetInterval uint64 `json:"retarget_interval"`
	// Subsidy is the initial block reward in coins.
	Subsidy uint64 `json:"subsidy"`
	// HalvingInterval is how many blocks pass between halvings of the
	// subsidy; 0 never halves.
	HalvingInterval uint64 `json:"halving_interval"`
	// MaxBlockTxs is the most transactions in a block, coinbase included.
	MaxBlockTxs int `json:"max_block_txs"`
	// MaxFutureDriftMs is how far a block's time may be ahead of the local
	// clock, in milliseconds.
	MaxFutureDriftMs int64 `json:"max_future_drift_ms"`
	// MedianTimeSpan is how many previous blocks the median-time-past rule
	// looks at.
	MedianTimeSpan int `json:"median_time_span"`
	// Epoch counts the resets of the room. A reset keeps every other
	// parameter but moves the epoch on, so the room gets a new genesis and
	// a new chain id: blocks and transactions of the chain before the
	// reset belong to another chain and no peer can hand them back. It is
	// left out of the canonical JSON while 0, so a room never reset has
	// the genesis it always had. At most 2^53−1.
	Epoch uint64 `json:"epoch,omitempty"`
	// Engine names the consensus engine: empty for proof of work (header
	// version 1), EnginePBFT for PBFT (version 2, see the PBFT engine).
	// Left out of the canonical JSON while empty, so a proof-of-work
	// room has the genesis it always had.
	Engine string `json:"engine,omitempty"`
	// Seats are the PBFT replicas' ed25519 public keys, each 64 lowercase
	// hex characters, separated by commas, in seat order: seat i is the
	// primary of views v with v mod n = i. MinSeats to MaxSeats keys, all
	// distinct; only with Engine EnginePBFT. (One string, not a list, so
	// that Params stays comparable with ==; SeatKeys splits it.)
	Seats string `json:"seats,omitempty"`
	// CheckpointInterval is PBFT's K: every K sequence numbers the
	// replicas exchange checkpoints, and one that 2f+1 replicas sign is
	// stable (their logs below it are dropped). 1 to 1000; only with
	// Engine EnginePBFT.
	CheckpointInterval uint64 `json:"checkpoint_interval,omitempty"`
	// Validators are the genesis validators of a PoS room (Engine
	// EnginePoS) or the genesis delegates of a DPoS room (EngineDPoS):
	// ed25519 public keys as in Seats, 1 to MaxSeats, distinct. Each
	// starts with GenesisStake coins of stake; in DPoS each is also a
	// candidate that votes for itself. Without them nobody could produce
	// the first block: stake, unlike hash power, must come from somewhere.
	Validators string `json:"validators,omitempty"`
	// GenesisStake is the stake of each genesis validator, 1 to 2^53−1
	// coins; only with Validators.
	GenesisStake uint64 `json:"genesis_stake,omitempty"`
	// EpochSlots is the length of a PoS epoch in slots, 2 to 1000: the
	// leaders of epoch e are drawn from a seed fixed at the end of epoch
	// e−1 by the stake fixed at the end of epoch e−2 (see StakeEngine).
	// Only with Engine EnginePoS.
	EpochSlots uint64 `json:"epoch_slots,omitempty"`
	// Delegates is DPoS's N, 1 to MaxDelegates: the top N candidates by
	// votes produce the blocks of a round of N slots, in turn. Only with
	// Engine EngineDPoS.
	Delegates int `json:"delegates,omitempty"`
}

// EnginePBFT is Params.Engine of a PBFT room.
const EnginePBFT = "pbft"

// EnginePoS and EngineDPoS are Params.Engine of a proof-of-stake and of a
// delegated-proof-of-stake room (see StakeEngine).
const (
	EnginePoS  = "pos"
	EngineDPoS = "dpos"
)

// MaxDelegates is the largest Params.Delegates (EOS's 21).
const MaxDelegates = 21

// ValidatorKeys decodes Params.Validators like SeatKeys.
func (p Params) ValidatorKeys() ([]ed25519.PublicKey, error) {
	return Params{Seats: p.Validators}.SeatKeys()
}

// IsStake reports whether p names a stake engine (PoS or DPoS).
func (p Params) IsStake() bool { return p.Engine == EnginePoS || p.Engine == EngineDPoS }

// SlotAt returns the slot of the time ms (unix milliseconds) in a stake
// room: slot k covers [GenesisTime + k·BlockTimeMs, GenesisTime +
// (k+1)·BlockTimeMs); the genesis is slot 0 and times before it are too.
func (p Params) SlotAt(ms int64) uint64 {
	if ms <= p.GenesisTime || p.BlockTimeMs <= 0 {
		return 0
	}
	return uint64((ms - p.GenesisTime) / p.BlockTimeMs)
}

// SlotTime returns the start of slot k in unix milliseconds: the time a
// block of slot k carries.
func (p Params) SlotTime(k uint64) int64 { return p.GenesisTime + int64(k)*p.BlockTimeMs }

// SeatKeys decodes Params.Seats. It fails when a key is not 32 bytes of
// hex; Validate checks the rest.
func (p Params) SeatKeys() ([]ed25519.PublicKey, error) {
	if p.Seats == "" {
		return nil, nil
	}
	parts := strings.Split(p.Seats, ",")
	keys := make([]ed25519.PublicKey, len(parts))
	for i, s := range parts {
		k, err := hex.DecodeString(s)
		if err != nil || len(k) != ed25519.PublicKeySize || hex.EncodeToString(k) != s {
			return nil, fmt.Errorf("chain: params: seat %d: want %d bytes of lowercase hex", i, ed25519.PublicKeySize)
		}
		keys[i] = k
	}
	return keys, nil
}

// SeatsOf joins public keys into the form of Params.Seats.
func SeatsOf(keys []ed25519.PublicKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = hex.EncodeToString(k)
	}
	return strings.Join(parts, ",")
}

// validateEngine checks the fields of the engine p names.
func (p Params) validateEngine() error {
	if !p.IsStake() && (p.Validators != "" || p.GenesisStake != 0 || p.EpochSlots != 0 || p.Delegates != 0) {
		return fmt.Errorf("chain: params: validators, genesis_stake, epoch_slots and delegates need engine %q or %q", EnginePoS, EngineDPoS)
	}
	switch p.Engine {
	case "":
		if p.Seats != "" || p.CheckpointInterval != 0 {
			return fmt.Errorf("chain: params: seats and checkpoint_interval need engine %q", EnginePBFT)
		}
		return nil
	case EnginePBFT:
	case EnginePoS, EngineDPoS:
		return p.validateStake()
	default:
		return fmt.Errorf("chain: params: engine %q: want \"\" (proof of work), %q, %q or %q", p.Engine, EnginePBFT, EnginePoS, EngineDPoS)
	}
	keys, err := p.SeatKeys()
	if err != nil {
		return err
	}
	switch {
	case len(keys) < MinSeats || len(keys) > MaxSeats:
		return fmt.Errorf("chain: params: %d seats: want %d to %d", len(keys), MinSeats, MaxSeats)
	case p.CheckpointInterval < 1 || p.CheckpointInterval > 1000:
		return fmt.Errorf("chain: params: checkpoint_interval %d: want 1 to 1000", p.CheckpointInterval)
	case p.Difficulty != 1 || p.RetargetInterval != 0:
		return fmt.Errorf("chain: params: a PBFT room has difficulty 1 and retarget_interval 0, not %d and %d", p.Difficulty, p.RetargetInterval)
	}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if seen[string(k)] {
			return fmt.Errorf("chain: params: seat %d repeats a key", i)
		}
		seen[string(k)] = true
	}
	if n := len(p.CanonicalJSON()); n > maxGenesisMemoBytes {
		return fmt.Errorf("chain: params: %d bytes of JSON, max %d (a shorter name?)", n, maxGenesisMemoBytes)
	}
	return nil
}

// PlaygroundParams is the classroom default: a block about every 15 seconds
// on a few laptops, Bitcoin's rules scaled down (50 coins, halving every
// 210 blocks, retarget every 10 blocks).
var PlaygroundParams = Params{
	Name:             "playground",
	GenesisTime:      1767225600000, // 2026-01-01T00:00:00Z
	Difficulty:       1 << 20,
	BlockTimeMs:      15_000,
	RetargetInterval: 10,
	Subsidy:          50,
	HalvingInterval:  210,
	MaxBlockTxs:      100,
	MaxFutureDriftMs: 2 * 60 * 1000,
	MedianTimeSpan:   11,
}

// TestParams are easy parameters for tests: a block takes a few hashes.
var TestParams = Params{
	Name:             "test",
	GenesisTime:      1767225600000,
	Difficulty:       2,
	BlockTimeMs:      1000,
	RetargetInterval: 0,
	Subsidy:          50,
	HalvingInterval:  210,
	MaxBlockTxs:      100,
	MaxFutureDriftMs: 2 * 60 * 1000,
	MedianTimeSpan:   11,
}

// validName reports whether name is 1–32 letters, digits, spaces or _.-
// (checked by hand: a regexp of Unicode classes costs a tab tens of
// milliseconds to compile at start-up).
func validName(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	n := 0
	for _, r := range name {
		n++
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !strings.ContainsRune(" _.-", r) {
			return false
		}
	}
	return n >= 1 && n <= 32
}

// Validate reports the first parameter out of range.
func (p Params) Validate() error {
	switch {
	case len(p.Name) == 0 || len(p.Name) > 32 || !validName(p.Name):
		return fmt.Errorf("chain: params: name %q: want 1–32 letters, digits, spaces or _.-", p.Name)
	case p.GenesisTime < 0 || p.GenesisTime > MaxSafeInteger:
		return fmt.Errorf("chain: params: genesis_time %d out of range", p.GenesisTime)
	case p.Difficulty < 1 || p.Difficulty > MaxSafeInteger:
		return fmt.Errorf("chain: params: difficulty %d: want 1 to 2^53-1", p.Difficulty)
	case p.BlockTimeMs < 1 || p.BlockTimeMs > 24*3600*1000:
		return fmt.Errorf("chain: params: block_time_ms %d: want 1 ms to 1 day", p.BlockTimeMs)
	case p.RetargetInterval > 100_000:
		return fmt.Errorf("chain: params: retarget_interval %d: max 100000", p.RetargetInterval)
	case p.Subsidy > 1_000_000_000:
		return fmt.Errorf("chain: params: subsidy %d: max 1000000000", p.Subsidy)
	case p.HalvingInterval > 1_000_000_000:
		return fmt.Errorf("chain: params: halving_interval %d: max 1000000000", p.HalvingInterval)
	case p.MaxBlockTxs < 1 || p.MaxBlockTxs > MaxBlockTxs:
		return fmt.Errorf("chain: params: max_block_txs %d: want 1 to %d", p.MaxBlockTxs, MaxBlockTxs)
	case p.MaxFutureDriftMs < 0 || p.MaxFutureDriftMs > 24*3600*1000:
		return fmt.Errorf("chain: params: max_future_drift_ms %d: want 0 to 1 day", p.MaxFutureDriftMs)
	case p.MedianTimeSpan < 1 || p.MedianTimeSpan > 101:
		return fmt.Errorf("chain: params: median_time_span %d: want 1 to 101", p.MedianTimeSpan)
	case p.Epoch > MaxSafeInteger:
		return fmt.Errorf("chain: params: epoch %d: want 0 to 2^53-1", p.Epoch)
	}
	return p.validateEngine()
}

// CanonicalJSON returns the parameters as JSON with the fields in the
// order of the struct and no spaces: the bytes the genesis coinbase carries.
func (p Params) CanonicalJSON() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic("chain: marshal params: " + err.Error()) // plain struct of strings and ints
	}
	return b
}

// ParseParams decodes and validates canonical parameters; unknown fields
// are an error.
func ParseParams(b []byte) (Params, error) {
	var p Params
	if err := strictUnmarshal(b, &p); err != nil {
		return p, fmt.Errorf("chain: params: %w", err)
	}
	return p, p.Validate()
}

// SubsidyAt returns the block reward at a height: Params.Subsidy halved
// (shifted right, dropping fractions: coins are whole numbers) every
// HalvingInterval blocks, so heights 0…I−1 pay Subsidy, I…2I−1 pay
// Subsidy/2, and so on until it reaches 0.
func (p Params) SubsidyAt(height uint64) uint64 {
	if p.HalvingInterval == 0 {
		return p.Subsidy
	}
	halvings := height / p.HalvingInterval
	if halvings >= 64 {
		return 0
	}
	return p.Subsidy >> halvings
}
