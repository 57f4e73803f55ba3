//go:build !js

package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/brokensig"
	"github.com/chainplay/chainplay/chain/node"
)

// brokenKey is the broken-keys lesson: Mallory runs a wallet with a
// broken signer (chain/brokensig: valid Ed25519 signatures, one nonce for
// every message). Its account is an ordinary account of the room — its
// address is the first 20 bytes of SHA-256 of its Ed25519 public key,
// like every wallet's — so the chain accepts its transfers, and the key
// the class recovers from two of them controls real coins.
//
//  1. fund: Mallory mines (at its share) one block whose reward goes to
//     the broken account: 50 coins;
//  2. signed: the broken wallet pays two small transfers; their
//     signatures share R, on the chain for all to read;
//  3. every tab can recover the key (GET /brokenkey/ACCOUNT on its own
//     node) and spend the account's coins to itself (POST
//     /brokenkey/ACCOUNT/spend); the board shows the recovery;
//  4. spent: a transfer the broken wallet never signed empties it.
type brokenKey struct {
	Q      float64
	signer *brokensig.Signer
	addr   chain.Address

	phase string // fund, signed, spent
	paid  []*chain.Tx
}

// recoveryFigure is the recovery the board shows.
type recoveryFigure = node.KeyRecovery

func newBrokenKey(q float64, seed uint64) *brokenKey {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	s := sha256.Sum256(append([]byte("chainplay-broken-wallet\x00"), b[:]...))
	signer, err := brokensig.NewSigner(s[:])
	if err != nil {
		panic(err) // 32 bytes: cannot fail
	}
	return &brokenKey{Q: q, signer: signer, addr: chain.AddressOf(signer.Public())}
}

func (k *brokenKey) share() float64 { return k.Q }
func (k *brokenKey) done() bool     { return k.phase == "spent" }

func (k *brokenKey) begin(_ context.Context, a *attacker) error {
	k.phase = "fund"
	a.say("start", nil, fmt.Sprintf("%s runs a wallet whose signer reuses its random value R; its account is %s", a.node.Name(), k.addr))
	return k.pay(a)
}

func (k *brokenKey) found(ctx context.Context, a *attacker) error {
	c := a.node.Chain()
	tmpl := a.node.Template()
	if k.phase == "fund" && c.Balance(k.addr).Balance == 0 {
		tmpl = c.NewTemplate(k.addr, nil, a.clock.Now())
	}
	b, err := a.seal(ctx, tmpl)
	if err != nil {
		return err
	}
	if err := a.node.SubmitBlock(b); err != nil {
		return err
	}
	return k.pay(a)
}

// pay signs the two transfers with the reused nonce once the broken
// account has coins.
func (k *brokenKey) pay(a *attacker) error {
	c := a.node.Chain()
	acct := c.Balance(k.addr)
	if k.phase != "fund" || acct.Balance < 4 {
		return nil
	}
	to := otherKey(a.key)
	for i := range 2 {
		tx := &chain.Tx{From: k.signer.Public(), To: chain.KeyAddress(to), Amount: 1, Fee: 1, Seq: acct.NextSeq + uint64(i),
			Time: a.clock.Now().UnixMilli() + int64(i), Name: "broken wallet", Memo: fmt.Sprintf("payment %d", i+1)}
		tx.Sig = k.signer.Sign(tx.SigningMessage(c.ID()))
		if err := a.node.SubmitTx(tx); err != nil {
			return fmt.Errorf("broken key: pay: %w", err)
		}
		k.paid = append(k.paid, tx)
	}
	k.phase = "signed"
	a.say("signed", map[string]int64{"balance": int64(acct.Balance)},
		fmt.Sprintf("The broken wallet %s signed two payments with the same R (%x…): anyone can now recover its key from the chain", k.addr, k.paid[0].Sig[:8]))
	return nil
}

func (k *brokenKey) tip(_ context.Context, a *attacker) error {
	if k.phase != "signed" {
		return nil
	}
	c := a.node.Chain()
	acct := c.Balance(k.addr)
	if acct.NextSeq <= uint64(len(k.paid)) {
		return nil
	}
	// A transfer of the account that the broken wallet did not sign: the
	// key was recovered and used.
	thief := ""
	for _, b := range c.MainChain() {
		for _, tx := range b.Txs[1:] {
			if tx.Sender() == k.addr && !k.ours(tx) {
				thief = tx.Author()
			}
		}
	}
	k.phase = "spent"
	a.say("spent", map[string]int64{"balance": int64(acct.Balance)},
		fmt.Sprintf("%s spent the broken wallet's coins with the key recovered from its signatures; it is left with %d", thief, acct.Balance))
	return nil
}

func (k *brokenKey) ours(tx *chain.Tx) bool {
	for _, p := range k.paid {
		if p.ID() == tx.ID() {
			return true
		}
	}
	return false
}

func (k *brokenKey) status(a *attacker) scenarioFigures {
	f := scenarioFigures{Phase: k.phase, SharePct: pct(k.Q), Account: k.addr.String()}
	if _, rec, err := a.node.RecoverKey(k.addr); err == nil || !errors.Is(err, node.ErrNoReusedNonce) {
		f.Recovery = &rec
	}
	return f
}
