package chain

// Block is a header and its transactions; the first transaction is the
// coinbase. A Block is treated as immutable once it has been handed to a
// Chain: callers must not modify it afterwards.
type Block struct {
	Header Header
	Txs    []*Tx
	// Cert is the commit certificate of a PBFT block (header version
	// VersionPBFT), encoded beside the header; it is not hashed. Proof-of-
	// work blocks have none, and their encoding has no room for one.
	Cert *CommitCert
	// Seal is the producer's signature (and any double-sign proofs) of a
	// PoS or DPoS block (header version VersionPoS or VersionDPoS),
	// encoded beside the header; it is not hashed. Blocks of other
	// versions have none.
	Seal *StakeSeal
}

// Hash returns the block hash (the header's SHA-256).
func (b *Block) Hash() Hash { return b.Header.Hash() }

// Height is a shorthand for b.Header.Height.
func (b *Block) Height() uint64 { return b.Header.Height }

// TxIDs returns the ids of the block's transactions in order.
func (b *Block) TxIDs() []Hash {
	ids := make([]Hash, len(b.Txs))
	for i, t := range b.Txs {
		ids[i] = t.ID()
	}
	return ids
}

// ComputeMerkleRoot returns the merkle root of the block's transaction ids.
func (b *Block) ComputeMerkleRoot() Hash { return MerkleRoot(b.TxIDs()) }
