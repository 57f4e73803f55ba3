package node

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/brokensig"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// Broken keys (lesson 6): a wallet that signs two transactions with the
// same nonce gives its private key away to anyone who reads them off the
// chain (chain/brokensig has the maths). The node does the recovery from
// its own chain, so a student's tab finds the key itself, and spends the
// account's coins with it to its own wallet:
//
//	GET  /brokenkey/{account}        200 KeyRecovery: the two transactions and every step
//	POST /brokenkey/{account}/spend  {"amount"?} → 201 SpendResponse: a transfer signed
//	                                 with the recovered key, to this node's wallet
//
// 404 no-reused-nonce when no two signatures of the account share a
// nonce (every healthy wallet: crypto/ed25519 derives its nonce from the
// message).

// ErrNoReusedNonce is RecoverKey's error when the account has no two
// signatures with the same nonce.
var ErrNoReusedNonce = errors.New("node: no two signatures of this account share a nonce")

// KeyRecovery is a recovered key's account and the steps that found it.
type KeyRecovery struct {
	Address chain.Address `json:"address"`
	Tx1     string        `json:"tx1"` // the two transactions whose signatures share R
	Tx2     string        `json:"tx2"`
	Balance uint64        `json:"balance"` // the account's balance on the best chain
	brokensig.Recovery
}

// RecoverKey looks through the best chain and the mempool for two
// transactions from addr whose signatures share a nonce and recovers the
// account's private key from them. It fails with ErrNoReusedNonce when
// there are none.
func (n *Node) RecoverKey(addr chain.Address) (*brokensig.Key, KeyRecovery, error) {
	rec := KeyRecovery{Address: addr, Balance: n.chain.Balance(addr).Balance}
	byR := map[string]*chain.Tx{}
	try := func(tx *chain.Tx) (*brokensig.Key, bool, error) {
		if tx.IsCoinbase() || tx.Sender() != addr || len(tx.Sig) < 32 {
			return nil, false, nil
		}
		r := string(tx.Sig[:32])
		first, ok := byR[r]
		if !ok {
			byR[r] = tx
			return nil, false, nil
		}
		if first.ID() == tx.ID() {
			return nil, false, nil
		}
		id := n.chain.ID()
		k, steps, err := brokensig.Recover(tx.From, first.SigningMessage(id), first.Sig, tx.SigningMessage(id), tx.Sig)
		rec.Tx1, rec.Tx2, rec.Recovery = first.ID().String(), tx.ID().String(), steps
		if errors.Is(err, brokensig.ErrSameChallenge) {
			return nil, false, nil
		}
		return k, true, err
	}
	for _, b := range n.chain.MainChain() {
		for _, tx := range b.Txs {
			if k, ok, err := try(tx); ok {
				return k, rec, err
			}
		}
	}
	for _, tx := range n.pool.Select(MaxTxsPerBatch) {
		if k, ok, err := try(tx); ok {
			return k, rec, err
		}
	}
	return nil, rec, fmt.Errorf("%w: %s", ErrNoReusedNonce, addr)
}

// SpendRecovered recovers addr's key (RecoverKey) and signs with it a
// transfer of amount coins (0: all it can, less a fee of 1) from addr to
// this node's wallet, and submits it to the room.
func (n *Node) SpendRecovered(addr chain.Address, amount uint64) (*chain.Tx, KeyRecovery, error) {
	k, rec, err := n.RecoverKey(addr)
	if err != nil {
		return nil, rec, err
	}
	const fee = 1
	if amount == 0 && rec.Balance > fee {
		amount = rec.Balance - fee
	}
	n.signMu.Lock()
	defer n.signMu.Unlock()
	tx := &chain.Tx{From: k.Public(), To: n.addr, Amount: amount, Fee: fee, Seq: n.pool.NextSeq(addr),
		Time: n.cfg.Clock.Now().UnixMilli(), Name: n.cfg.Name, Memo: "spent with a recovered key"}
	sig, err := k.Sign(rand.Reader, tx.SigningMessage(n.chain.ID()))
	if err != nil {
		return nil, rec, err
	}
	tx.Sig = sig
	if err := n.submit(tx, true); err != nil {
		return nil, rec, err
	}
	return tx, rec, nil
}

// SpendRequest is the body of POST /brokenkey/{account}/spend.
type SpendRequest struct {
	Amount uint64 `json:"amount"` // 0: the whole balance less the fee
}

// SpendResponse answers it: the transfer and how its key was found.
type SpendResponse struct {
	Tx       *chain.Tx   `json:"tx"`
	Recovery KeyRecovery `json:"recovery"`
}

func (a *api) brokenAccount(r *http.Request) (chain.Address, error) {
	account := r.PathValue("account")
	addr, _, err := chain.ParseAccount(account)
	if err != nil || addr.IsZero() {
		return addr, httpjson.Errorf(http.StatusBadRequest, httpjson.CodeBadAddress, "account %q: want an address of 40 hex characters or an account name", account)
	}
	return addr, nil
}

func recoverError(err error) error {
	if errors.Is(err, ErrNoReusedNonce) {
		return httpjson.Wrap(http.StatusNotFound, httpjson.CodeNoReusedNonce, err)
	}
	return err
}

func (a *api) getBrokenKey(w http.ResponseWriter, r *http.Request) error {
	addr, err := a.brokenAccount(r)
	if err != nil {
		return err
	}
	_, rec, err := a.n.RecoverKey(addr)
	if err != nil {
		return recoverError(err)
	}
	return httpjson.Write(w, http.StatusOK, rec)
}

func (a *api) postBrokenKeySpend(w http.ResponseWriter, r *http.Request) error {
	addr, err := a.brokenAccount(r)
	if err != nil {
		return err
	}
	var req SpendRequest
	if r.ContentLength != 0 {
		if err := httpjson.Read(w, r, &req); err != nil {
			return err
		}
	}
	tx, rec, err := a.n.SpendRecovered(addr, req.Amount)
	if err != nil {
		if errors.Is(err, ErrNoReusedNonce) {
			return recoverError(err)
		}
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusCreated, SpendResponse{Tx: tx, Recovery: rec})
}
