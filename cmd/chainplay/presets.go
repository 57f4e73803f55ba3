//go:build !js

package main

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/web"
)

// A preset is a set of room parameters the lobby offers by name. The
// classroom preset is the server's default parameters (what a room
// opened by its URL gets, -difficulty included); the others change the
// pace of the chain.
type preset struct {
	id    string
	apply func(base chain.Params) chain.Params
}

// presets are the lobby's, in the order it shows them; POST /api/rooms
// takes one's id as "preset" and defaults to presetClassroom.
var presets = []preset{
	{"quick-demo", func(p chain.Params) chain.Params {
		// A block every ~5 s on a few laptops (a wasm SIMD worker tries
		// ~13 M hashes a second), retargeting quickly toward it.
		p.Difficulty, p.BlockTimeMs, p.RetargetInterval, p.HalvingInterval = 1<<24, 5_000, 5, 50
		return p
	}},
	{presetClassroom, func(p chain.Params) chain.Params { return p }},
	{"bitcoin-like", func(p chain.Params) chain.Params {
		// Bitcoin's rules scaled down: 50 coins halving every 210 blocks,
		// a retarget every 20 blocks (2016 ÷ 100), a block a minute.
		p.Difficulty, p.BlockTimeMs, p.RetargetInterval, p.Subsidy, p.HalvingInterval = 1<<26, 60_000, 20, 50, 210
		return p
	}},
}

// presetClassroom is the default preset.
const presetClassroom = "classroom"

// presetParams returns the parameters of the preset id on base.
func presetParams(id string, base chain.Params) (chain.Params, bool) {
	if id == "" {
		id = presetClassroom
	}
	for _, p := range presets {
		if p.id == id {
			return p.apply(base), true
		}
	}
	return base, false
}

// webPresets describes the presets on base for the lobby.
func webPresets(base chain.Params) []web.Preset {
	out := make([]web.Preset, 0, len(presets))
	for _, p := range presets {
		q := p.apply(base)
		out = append(out, web.Preset{ID: p.id, Difficulty: q.Difficulty, BlockTimeMs: q.BlockTimeMs, RetargetInterval: q.RetargetInterval,
			Subsidy: q.Subsidy, HalvingInterval: q.HalvingInterval, MaxBlockTxs: q.MaxBlockTxs})
	}
	return out
}

// codeAlphabet spells room codes: lowercase letters and digits without
// the ones a class misreads from a projector (0/o, 1/l/i).
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRoomCode returns a random room code of n characters.
func newRoomCode(n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(codeAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("chainplay: room code: %w", err)
		}
		b[i] = codeAlphabet[k.Int64()]
	}
	return string(b), nil
}
