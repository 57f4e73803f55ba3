package chain

import (
	"crypto/ed25519"
	"math/big"
	"slices"
)

// PBFTEngine is the engine of a PBFT room (Params.Engine EnginePBFT,
// header version VersionPBFT). A block carries no proof of work: its seal
// is the commit certificate beside the header (Block.Cert), the
// signatures of 2f+1 of the replicas the genesis names (Params.Seats)
// over the view, the sequence number and the block hash. A committed
// block is final: the protocol (chain/pbft) never lets two blocks of one
// height both gather a certificate while at most f replicas are faulty,
// so there are no forks and no reorgs. Every block weighs 1 in fork
// choice and the difficulty stays 1.
//
// The rules it adds to version 1's (CheckBlockSanity, Chain.ProcessBlock):
//
//	header version = 2                                       ErrBadVersion
//	a commit certificate                                     ErrNoCert
//	≥ 2f+1 signatures                                        ErrShortCert
//	distinct seats of the room, in increasing order, each
//	  signature valid over CommitSigningBytes(chain id,
//	  view, seq, block hash)                                 ErrBadCert
//	seq > the parent's seq (the genesis has seq 0)           ErrBadCertSeq
//	difficulty = 1                                           ErrBadDifficulty
type PBFTEngine struct {
	chainID Hash
	seats   []ed25519.PublicKey
}

var (
	_ Engine            = (*PBFTEngine)(nil)
	_ BlockSealVerifier = (*PBFTEngine)(nil)
)

// NewPBFTEngine returns the engine of the PBFT room with parameters p; it
// fails when p is not valid or names another engine.
func NewPBFTEngine(p Params) (*PBFTEngine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Engine != EnginePBFT {
		return nil, errNotPBFT(p.Engine)
	}
	seats, _ := p.SeatKeys() // checked by Validate
	return &PBFTEngine{chainID: GenesisBlock(p).Hash(), seats: seats}, nil
}

// EngineFor returns the engine the parameters name: PoW{} for a proof-of-
// work room, a *PBFTEngine for a PBFT room, a *StakeEngine for a PoS or
// DPoS room.
func EngineFor(p Params) (Engine, error) {
	switch {
	case p.Engine == "":
		return PoW{}, nil
	case p.IsStake():
		return NewStakeEngine(p)
	}
	return NewPBFTEngine(p)
}

// ChainID returns the id of the room's chain (its genesis hash), which
// every commit signature covers.
func (e *PBFTEngine) ChainID() Hash { return e.chainID }

// Seats returns the replicas' public keys in seat order (a copy).
func (e *PBFTEngine) Seats() []ed25519.PublicKey { return slices.Clone(e.seats) }

// Quorum returns 2f+1 for the room's replica set.
func (e *PBFTEngine) Quorum() int { return Quorum(len(e.seats)) }

// CalcDifficulty implements Engine: always 1.
func (*PBFTEngine) CalcDifficulty(Params, *Header, func(uint64) *Header) uint64 { return 1 }

// VerifySeal implements Engine. A PBFT seal is not in the header, so
// there is nothing to check here; VerifyBlockSeal checks the certificate.
func (*PBFTEngine) VerifySeal(*Header) error { return nil }

// Work implements Engine: every block weighs 1.
func (*PBFTEngine) Work(*Header) *big.Int { return big.NewInt(1) }

// HeaderVersion implements HeaderVersioner: VersionPBFT.
func (*PBFTEngine) HeaderVersion() uint32 { return VersionPBFT }

// VerifyBlockSeal implements BlockSealVerifier: the block's commit
// certificate is valid for its hash (VerifyCert).
func (e *PBFTEngine) VerifyBlockSeal(b *Block, hash Hash) error {
	return VerifyCert(b.Cert, e.chainID, e.seats, hash)
}

// checkParent implements parentChecker: the sequence number grows.
func (e *PBFTEngine) checkParent(b, parent *Block) error {
	var last uint64 // the genesis: sequence 0
	if parent.Cert != nil {
		last = parent.Cert.Seq
	}
	if b.Cert != nil && b.Cert.Seq <= last {
		return ruleErrorHW(ErrBadCertSeq, b.Cert.Seq, above(last), "have %d, want more than the parent's %d", b.Cert.Seq, last)
	}
	return nil
}
