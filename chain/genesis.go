package chain

// GenesisBlock builds the genesis block of a room with the given parameters.
// It is deterministic: the same parameters always give the same block and
// so the same chain id. Its coinbase pays nothing to nobody and carries the
// canonical JSON of the parameters as its memo; the genesis block needs no
// proof of work, it is fixed by the parameters.
func GenesisBlock(p Params) *Block {
	cb := &Tx{
		Time: p.GenesisTime,
		Name: "genesis",
		Memo: string(p.CanonicalJSON()),
	}
	b := &Block{
		Header: Header{
			Version:    1,
			Height:     0,
			Time:       p.GenesisTime,
			Difficulty: p.Difficulty,
		},
		Txs: []*Tx{cb},
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	return b
}
