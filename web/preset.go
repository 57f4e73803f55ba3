package web

// Preset is a room preset the lobby offers: an id (its words are the
// catalog's preset.ID.name and preset.ID.about) and the parameters it
// sets, which the lobby shows. POST /api/rooms takes the id as "preset".
type Preset struct {
	ID               string
	Difficulty       uint64 // expected hashes per block
	BlockTimeMs      int64  // target block time
	RetargetInterval uint64 // 0: fixed difficulty
	Subsidy          uint64 // block reward
	HalvingInterval  uint64 // 0: never
	MaxBlockTxs      int
}
