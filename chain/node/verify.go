package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// Verify yourself: a node's REST API is only a server's word. The
// tutorials' clients believe whatever GET /chain and GET /balance answer;
// a node that validated the chain itself need not (Polkadot Academy's
// "dishonest RPC node" exercise). VerifyNode asks another node's API for
// its tip, its chain and this node's balance, and checks each answer
// against this node's own chain: each block must decode (its hash is
// its header's), meet its rules (chain.CheckBlockSanity: proof of work,
// merkle root, …) and be this node's block at that height; the balance
// must be the one this node computed. Every answer that disagrees is a
// lie, shown beside the truth.
//
//	GET /verify?node=URL  200 VerifyReport; 502 when the node can't be asked

// VerifyCheck is one answer of the other node checked.
type VerifyCheck struct {
	// What is checked: "tip", "block", "blocks" (the count that agree) or "balance".
	What   string `json:"what"`
	Height uint64 `json:"height,omitempty"` // the block's (or tip's) height
	// Claimed is what the node answered, Truth what this node's chain says.
	Claimed string `json:"claimed"`
	Truth   string `json:"truth"`
	OK      bool   `json:"ok"`
	// Rule is the rule code a claimed block breaks, when it breaks one.
	Rule string `json:"rule,omitempty"`
}

// VerifyReport is the verdict on another node's answers.
type VerifyReport struct {
	Node   string        `json:"node"`
	Honest bool          `json:"honest"` // every check agreed
	Lies   int           `json:"lies"`   // the checks that did not
	Checks []VerifyCheck `json:"checks"`
}

// VerifyNode checks the answers of the node whose API is at base (http or
// https URL) against this node's own chain. It fails only when the node
// can't be asked (a *PeerError).
func (n *Node) VerifyNode(ctx context.Context, base string) (VerifyReport, error) {
	rep := VerifyReport{Node: base, Checks: []VerifyCheck{}}
	add := func(c VerifyCheck) {
		rep.Checks = append(rep.Checks, c)
		if !c.OK {
			rep.Lies++
		}
	}
	mine := n.chain.Tip()

	data, err := n.http.askPeer(ctx, base, http.MethodGet, "/tip", nil)
	if err != nil {
		return rep, err
	}
	var tip TipResponse
	if err := json.Unmarshal(data, &tip); err != nil {
		return rep, &PeerError{Peer: base, Method: http.MethodGet, Path: "/tip", Kind: ErrPeerBadAnswer, Err: err}
	}
	add(VerifyCheck{What: "tip", Height: tip.Height, Claimed: fmt.Sprintf("#%d %s", tip.Height, tip.Hash),
		Truth: fmt.Sprintf("#%d %s", mine.Height, mine.Hash), OK: tip.Hash == mine.Hash})

	data, err = n.http.askPeer(ctx, base, http.MethodGet, "/chain?view=blocks", nil)
	if err != nil {
		return rep, err
	}
	var dump struct {
		Chain []json.RawMessage `json:"chain"`
	}
	if err := json.Unmarshal(data, &dump); err != nil {
		return rep, &PeerError{Peer: base, Method: http.MethodGet, Path: "/chain", Kind: ErrPeerBadAnswer, Err: err}
	}
	agree := 0
	params := n.chain.Params()
	for i, raw := range dump.Chain {
		h := uint64(i)
		truth := "none"
		ours, have := n.chain.BlockAtHeight(h)
		if have {
			truth = ours.Hash().String()
		}
		var b chain.Block
		if err := json.Unmarshal(raw, &b); err != nil {
			add(VerifyCheck{What: "block", Height: h, Claimed: "undecodable: " + err.Error(), Truth: truth, Rule: chain.Code(err)})
			continue
		}
		if have && b.Hash() == ours.Hash() {
			agree++
			continue
		}
		c := VerifyCheck{What: "block", Height: h, Claimed: b.Hash().String(), Truth: truth}
		if h > 0 {
			if err := chain.CheckBlockSanity(&b, params); err != nil {
				c.Rule = chain.Code(err)
			}
		}
		add(c)
	}
	add(VerifyCheck{What: "blocks", Claimed: strconv.Itoa(len(dump.Chain)), Truth: strconv.FormatUint(mine.Height+1, 10),
		OK: agree == len(dump.Chain) && len(dump.Chain) == int(mine.Height+1)})

	data, err = n.http.askPeer(ctx, base, http.MethodGet, "/balance/"+n.addr.String(), nil)
	if err != nil {
		return rep, err
	}
	var bal BalanceResponse
	if err := json.Unmarshal(data, &bal); err != nil {
		return rep, &PeerError{Peer: base, Method: http.MethodGet, Path: "/balance", Kind: ErrPeerBadAnswer, Err: err}
	}
	truth := n.chain.Balance(n.addr).Balance
	add(VerifyCheck{What: "balance", Claimed: strconv.FormatUint(bal.Balance, 10), Truth: strconv.FormatUint(truth, 10), OK: bal.Balance == truth})
	rep.Honest = rep.Lies == 0
	return rep, nil
}

func (a *api) getVerify(w http.ResponseWriter, r *http.Request) error {
	base, err := NormalizePeerURL(r.URL.Query().Get("node"))
	if err != nil {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadPeerAddress, "node", err.Error())
	}
	rep, err := a.n.VerifyNode(r.Context(), base)
	if err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusOK, rep)
}
