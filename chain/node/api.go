package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/chainplay/chainplay/chain"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = 1 << 20

// apiError is the JSON of every 4xx/5xx: a sentence and, for a consensus
// rule, the rule that failed.
type apiError struct {
	Error string `json:"error"`
	Rule  string `json:"rule,omitempty"`
}

// ChainResponse is the body of GET /chain, as in the tutorials.
type ChainResponse struct {
	Length int            `json:"length"`
	Chain  []*chain.Block `json:"chain"`
}

// MineResponse is the body of GET /mine, dvf's fields plus the hash.
type MineResponse struct {
	Message      string       `json:"message"`
	Index        uint64       `json:"index"`
	Transactions []*chain.Tx  `json:"transactions"`
	Proof        uint64       `json:"proof"`
	PreviousHash chain.Hash   `json:"previous_hash"`
	Hash         chain.Hash   `json:"hash"`
	Block        *chain.Block `json:"block"`
}

// TipResponse is the body of GET /tip.
type TipResponse struct {
	Hash       chain.Hash `json:"hash"`
	Height     uint64     `json:"height"`
	Work       string     `json:"work"`
	Difficulty uint64     `json:"difficulty"`
	Genesis    chain.Hash `json:"genesis"`
}

// Handler returns the node's REST API: the tutorials' endpoints and the
// native ones (see DESIGN.md). Bad input gets a 4xx with a JSON error
// naming the rule that failed, and nothing partial is stored.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chain", n.getChain)
	mux.HandleFunc("GET /tip", n.getTip)
	mux.HandleFunc("GET /blocks/{hash}", n.getBlock)
	mux.HandleFunc("GET /mine", n.getMine)
	mux.HandleFunc("POST /add_block", n.postAddBlock)
	mux.HandleFunc("POST /transactions/new", n.postTransactionsNew)
	mux.HandleFunc("POST /new_transaction", n.postNewTransaction)
	mux.HandleFunc("GET /pending_tx", n.getPendingTx)
	mux.HandleFunc("POST /tx", n.postTx)
	mux.HandleFunc("GET /balance/{address}", n.getBalance)
	mux.HandleFunc("GET /wallet", n.getWallet)
	mux.HandleFunc("POST /nodes/register", n.postNodesRegister)
	mux.HandleFunc("GET /nodes/resolve", n.getNodesResolve)
	mux.HandleFunc("POST /register_node", n.postRegisterNode)
	mux.HandleFunc("POST /register_with", n.postRegisterWith)
	mux.HandleFunc("GET /peers", n.getPeers)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	e := apiError{Error: err.Error()}
	e.Rule = Code(err)
	writeJSON(w, status, e)
}

// readJSON decodes a bounded request body into v.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBodyBytes {
		return fmt.Errorf("body larger than %d bytes", maxBodyBytes)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("body is not valid JSON: %w", err)
	}
	return nil
}

func (n *Node) getChain(w http.ResponseWriter, r *http.Request) {
	blocks := n.chain.MainChain()
	writeJSON(w, http.StatusOK, ChainResponse{Length: len(blocks), Chain: blocks})
}

func (n *Node) getTip(w http.ResponseWriter, r *http.Request) {
	t := n.chain.Tip()
	writeJSON(w, http.StatusOK, TipResponse{Hash: t.Hash, Height: t.Height, Work: t.Work.String(), Difficulty: t.Block.Header.Difficulty, Genesis: n.chain.ID()})
}

func (n *Node) getBlock(w http.ResponseWriter, r *http.Request) {
	h, err := chain.ParseHash(r.PathValue("hash"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	b, ok := n.chain.BlockByHash(h)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no block %s", h))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (n *Node) getMine(w http.ResponseWriter, r *http.Request) {
	b, err := n.MineBlock(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	writeJSON(w, http.StatusOK, MineResponse{
		Message:      "New Block Forged",
		Index:        b.Height(),
		Transactions: b.Txs,
		Proof:        b.Header.Nonce,
		PreviousHash: b.Header.PrevHash,
		Hash:         b.Hash(),
		Block:        b,
	})
}

func (n *Node) postAddBlock(w http.ResponseWriter, r *http.Request) {
	var b chain.Block
	if err := readJSON(r, &b); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	status, err := n.chain.ProcessBlock(&b, n.cfg.Clock.Now())
	if errors.Is(err, chain.ErrDuplicateBlock) {
		writeJSON(w, http.StatusOK, map[string]any{"message": "Block already known", "hash": b.Hash()})
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	switch status {
	case chain.StatusOrphan:
		writeJSON(w, http.StatusAccepted, map[string]any{"message": "Block held: its parent is unknown", "status": status.String(), "hash": b.Hash()})
		return
	case chain.StatusFuture:
		writeJSON(w, http.StatusAccepted, map[string]any{"message": "Block held: its time is ahead of this node's clock", "status": status.String(), "hash": b.Hash()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Block added", "status": status.String(), "hash": b.Hash()})
}

// statusFor maps an error to its HTTP status: a broken consensus rule or
// policy is the client's fault (400), anything else ours (500).
func statusFor(err error) int {
	if chain.IsRuleError(err) {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// TransactionsNewRequest is dvf's POST /transactions/new body; fee is ours.
type TransactionsNewRequest struct {
	Sender    string `json:"sender"`
	Recipient string `json:"recipient"`
	Amount    uint64 `json:"amount"`
	Fee       uint64 `json:"fee"`
	Memo      string `json:"memo"`
}

func (n *Node) postTransactionsNew(w http.ResponseWriter, r *http.Request) {
	var req TransactionsNewRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Sender != "" && req.Sender != n.addr.String() {
		writeError(w, http.StatusForbidden, fmt.Errorf("this node signs only for its own wallet %s, not for sender %s", n.addr, req.Sender))
		return
	}
	to, err := chain.ParseAddress(req.Recipient)
	if err != nil || to.IsZero() {
		writeError(w, http.StatusBadRequest, fmt.Errorf("recipient %q: want an address of 40 hex characters", req.Recipient))
		return
	}
	tx, err := n.Send(to, req.Amount, req.Fee, req.Memo)
	if err != nil {
		writeError(w, statusFor(err), err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"message": fmt.Sprintf("Transaction will be added to Block %d", n.chain.Tip().Height+1),
		"tx":      tx,
	})
}

// NewTransactionRequest is IBM's POST /new_transaction body.
type NewTransactionRequest struct {
	Author  string `json:"author"`
	Content string `json:"content"`
}

func (n *Node) postNewTransaction(w http.ResponseWriter, r *http.Request) {
	var req NewTransactionRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Author == "" || req.Content == "" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invalid transaction data: author and content are required"))
		return
	}
	tx, err := n.Post(req.Author, req.Content)
	if err != nil {
		writeError(w, statusFor(err), err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Success", "tx": tx})
}

func (n *Node) getPendingTx(w http.ResponseWriter, r *http.Request) {
	txs := n.pool.Txs()
	if txs == nil {
		txs = []*chain.Tx{}
	}
	writeJSON(w, http.StatusOK, txs)
}

func (n *Node) postTx(w http.ResponseWriter, r *http.Request) {
	var tx chain.Tx
	if err := readJSON(r, &tx); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err := n.SubmitTx(&tx); err != nil {
		writeError(w, statusFor(err), err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Transaction added to the mempool", "id": tx.ID()})
}

// BalanceResponse is the body of GET /balance/{address}.
type BalanceResponse struct {
	Address chain.Address `json:"address"`
	Balance uint64        `json:"balance"`
	NextSeq uint64        `json:"next_seq"`
	// Pending is the next seq counting the sender's pending transactions.
	PendingSeq uint64 `json:"pending_seq"`
	Height     uint64 `json:"height"`
}

func (n *Node) getBalance(w http.ResponseWriter, r *http.Request) {
	a, err := chain.ParseAddress(r.PathValue("address"))
	if err != nil || a.IsZero() {
		writeError(w, http.StatusBadRequest, fmt.Errorf("address %q: want 40 hex characters", r.PathValue("address")))
		return
	}
	acct := n.chain.Balance(a)
	writeJSON(w, http.StatusOK, BalanceResponse{Address: a, Balance: acct.Balance, NextSeq: acct.NextSeq, PendingSeq: n.pool.NextSeq(a), Height: n.chain.Tip().Height})
}

func (n *Node) getWallet(w http.ResponseWriter, r *http.Request) {
	acct := n.chain.Balance(n.addr)
	writeJSON(w, http.StatusOK, map[string]any{"address": n.addr, "name": n.cfg.Name, "balance": acct.Balance, "next_seq": acct.NextSeq})
}

func (n *Node) getPeers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"room": n.Peers(), "nodes": n.HTTPPeers()})
}

// NodesRegisterRequest is dvf's POST /nodes/register body.
type NodesRegisterRequest struct {
	Nodes []string `json:"nodes"`
}

func (n *Node) postNodesRegister(w http.ResponseWriter, r *http.Request) {
	var req NodesRegisterRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if len(req.Nodes) == 0 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("please supply a valid list of nodes"))
		return
	}
	all, err := n.RegisterHTTPPeers(req.Nodes)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "New nodes have been added", "total_nodes": all})
}

func (n *Node) getNodesResolve(w http.ResponseWriter, r *http.Request) {
	res := n.Resolve(r.Context())
	blocks := n.chain.MainChain()
	body := map[string]any{"length": len(blocks)}
	if res.Replaced {
		body["message"], body["new_chain"] = "Our chain was replaced", blocks
	} else {
		body["message"], body["chain"] = "Our chain is authoritative", blocks
	}
	if len(res.Errors) > 0 {
		body["errors"] = res.Errors
	}
	writeJSON(w, http.StatusOK, body)
}

// RegisterNodeRequest is IBM's POST /register_node and /register_with body.
type RegisterNodeRequest struct {
	NodeAddress string `json:"node_address"`
}

// postRegisterNode is IBM's /register_node: remember the caller and hand
// it our chain and peers.
func (n *Node) postRegisterNode(w http.ResponseWriter, r *http.Request) {
	var req RegisterNodeRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.NodeAddress == "" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invalid data: node_address is required"))
		return
	}
	peers, err := n.RegisterHTTPPeers([]string{req.NodeAddress})
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	blocks := n.chain.MainChain()
	writeJSON(w, http.StatusOK, map[string]any{"length": len(blocks), "chain": blocks, "peers": peers})
}

// postRegisterWith is IBM's /register_with: register this node with the
// node at node_address, then copy its chain (fully validated) and peers.
func (n *Node) postRegisterWith(w http.ResponseWriter, r *http.Request) {
	var req RegisterNodeRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	base, err := NormalizePeerURL(req.NodeAddress)
	if err != nil || req.NodeAddress == "" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invalid data: node_address must be http://host:port"))
		return
	}
	self := "http://" + r.Host
	added, err := n.RegisterWith(r.Context(), base, self)
	if err != nil {
		writeError(w, statusFor(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": "Registration successful", "added_blocks": added, "peers": n.HTTPPeers()})
}
