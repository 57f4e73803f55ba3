package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// The node's REST API: the tutorials' endpoints with their field names,
// so dvf's and IBM's clients work unchanged, and the native ones. Every
// answer is JSON (internal/httpjson); a refused request changes nothing.
//
//	GET  /chain             200 ChainResponse {length, chain}
//	GET  /mine              200 MineResponse {message, index, transactions, proof, previous_hash, hash, block}
//	POST /transactions/new  dvf's {sender, recipient, amount} (+ fee, memo) → 201 TxResponse;
//	                        403 wrong-sender when sender is not this node's wallet
//	POST /new_transaction   IBM's {author, content} → 201 TxResponse
//	GET  /pending_tx        200 [tx, …] (the mempool)
//	POST /nodes/register    dvf's {nodes: [url, …]} → 201 NodesRegisterResponse {message, total_nodes}
//	GET  /nodes/resolve     200 ResolveResponse {message, chain | new_chain, length, errors};
//	                        502 when peers were asked and none answered with a chain
//	POST /register_node     IBM's {node_address} → 200 RegisterNodeResponse {length, chain, peers}
//	POST /register_with     IBM's {node_address} → 200 RegisterWithResponse; 502 when that
//	                        node can't be asked, 400 with the rule when its chain breaks one
//	POST /add_block         a block → 201 added, 202 held (orphan, future), 200 known: AddBlockResponse
//	POST /tx                a signed transaction → 201 TxResponse
//	GET  /blocks/{hash}     200 a block; 404 unknown-block
//	GET  /tip               200 TipResponse
//	GET  /balance/{address} 200 BalanceResponse
//	GET  /wallet            200 WalletResponse
//	GET  /peers             200 PeersResponse
//
// An error is an httpjson.ErrorBody {error, code} and, when a consensus
// or policy rule failed, rule (the same code as code) plus the rule's have
// and want. Statuses: 400 for bad input and broken rules, except 429 for
// too-many-free-txs and 503 for mempool-full and no-nonce; 403
// wrong-sender; 404 not-found (no such endpoint) and unknown-block; 405
// method-not-allowed (with Allow); 409 too-many-peers; 413
// body-too-large; 502 peer-unreachable and peer-bad-answer; 503
// unavailable (mining cancelled); 500 internal, whose cause only the log
// sees. The codes are internal/httpjson's Code* constants, chain's rule
// codes and this package's.
//
// /nodes/resolve asks every registered HTTP peer. A peer that can't be
// reached, or whose chain breaks a rule, is listed in errors by its URL
// and the answer is still 200 as long as one peer answered (its chain may
// be refused) or none is registered: the tutorials' clients read message
// and chain. Only when every peer asked failed to answer with a chain is
// the answer 502, with code peer-unreachable (peer-bad-answer when each
// of them answered, but not with a chain).

// APIConfig configures the REST API (Node.API).
type APIConfig struct {
	// Logger receives the causes of 500 answers, which the client never
	// sees, and the 5xx answers. Nil discards them.
	Logger *slog.Logger
	// MaxBody bounds a request body in bytes; zero means
	// httpjson.DefaultMaxBody (1 MiB). POST /add_block allows at least what
	// a full block of the chain's parameters needs.
	MaxBody int64
}

// maxTxJSON bounds the JSON of one transaction in a posted block, even
// indented and with every text character escaped (api_test.go checks it).
const maxTxJSON = 8 << 10

// blockBodyLimit is the largest body of POST /add_block for p's blocks.
func blockBodyLimit(p chain.Params) int64 { return int64(p.MaxBlockTxs)*maxTxJSON + 64<<10 }

// Handler returns the REST API with the default APIConfig.
func (n *Node) Handler() http.Handler { return n.API(APIConfig{}) }

// API returns the node's REST API (see above) as an http.Handler, served
// natively by cmd/node and inside the tab.
func (n *Node) API(cfg APIConfig) http.Handler {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = httpjson.DefaultMaxBody
	}
	a := &api{n: n, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	m := httpjson.NewMux(httpjson.Options{Logger: a.log, MaxBody: cfg.MaxBody})
	m.Handle("GET /chain", a.getChain)
	m.Handle("GET /tip", a.getTip)
	m.Handle("GET /blocks/{hash}", a.getBlock)
	m.Handle("GET /mine", a.getMine)
	m.Handle("POST /add_block", a.postAddBlock, httpjson.BodyLimit(max(cfg.MaxBody, blockBodyLimit(n.chain.Params()))))
	m.Handle("POST /transactions/new", a.postTransactionsNew)
	m.Handle("POST /new_transaction", a.postNewTransaction)
	m.Handle("GET /pending_tx", a.getPendingTx)
	m.Handle("POST /tx", a.postTx)
	m.Handle("GET /balance/{address}", a.getBalance)
	m.Handle("GET /wallet", a.getWallet)
	m.Handle("POST /nodes/register", a.postNodesRegister)
	m.Handle("GET /nodes/resolve", a.getNodesResolve)
	m.Handle("POST /register_node", a.postRegisterNode)
	m.Handle("POST /register_with", a.postRegisterWith)
	m.Handle("GET /peers", a.getPeers)
	return m
}

// api is the REST API of one node.
type api struct {
	n   *Node
	log *slog.Logger
}

// mapError maps an error of the chain or the node to its answer: a broken
// rule (400, or ruleStatus), the HTTP peers' errors, an *httpjson.Error as
// it is. Anything else is returned unchanged and becomes a logged 500.
func mapError(err error) error {
	if code := Code(err); code != "" {
		e := httpjson.RuleError(ruleStatus(err), code, err)
		var re *chain.RuleError
		if errors.As(err, &re) {
			e.Have, e.Want = re.Have, re.Want
		}
		return e
	}
	var he *httpjson.Error
	switch {
	case errors.Is(err, ErrPeerUnreachable):
		return httpjson.Wrap(http.StatusBadGateway, httpjson.CodePeerUnreachable, err)
	case errors.Is(err, ErrPeerBadAnswer):
		return httpjson.Wrap(http.StatusBadGateway, httpjson.CodePeerBadAnswer, err)
	case errors.Is(err, ErrBadPeerAddress):
		return httpjson.Wrap(http.StatusBadRequest, httpjson.CodeBadPeerAddress, err)
	case errors.Is(err, ErrTooManyPeers):
		return httpjson.Wrap(http.StatusConflict, httpjson.CodeTooManyPeers, err)
	case errors.As(err, &he):
		return he
	}
	return err
}

// ruleStatus is the status of a broken rule: 400, but 429 for the rate
// limit of free transactions and 503 for a full mempool or a miner out of
// nonces, which a client may simply retry later.
func ruleStatus(err error) int {
	switch {
	case errors.Is(err, chain.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, chain.ErrMempoolFull), errors.Is(err, ErrNoNonce):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// read decodes the body into v, mapping a rule broken inside it (a
// block's or transaction's own checks) to that rule.
func read(w http.ResponseWriter, r *http.Request, v any) error {
	if err := httpjson.Read(w, r, v); err != nil {
		return mapError(err)
	}
	return nil
}

// ChainResponse is the body of GET /chain, as in the tutorials.
type ChainResponse struct {
	Length int            `json:"length"` // number of blocks, genesis included
	Chain  []*chain.Block `json:"chain"`  // the best chain, genesis first
}

func (a *api) getChain(w http.ResponseWriter, r *http.Request) error {
	blocks := a.n.chain.MainChain()
	return httpjson.Write(w, http.StatusOK, ChainResponse{Length: len(blocks), Chain: blocks})
}

// TipResponse is the body of GET /tip.
type TipResponse struct {
	Hash       chain.Hash `json:"hash"`       // the best chain's last block
	Height     uint64     `json:"height"`     // its height
	Work       string     `json:"work"`       // cumulative work, decimal
	Difficulty uint64     `json:"difficulty"` // the tip's difficulty
	Genesis    chain.Hash `json:"genesis"`    // the chain id
}

func (a *api) getTip(w http.ResponseWriter, r *http.Request) error {
	t := a.n.chain.Tip()
	return httpjson.Write(w, http.StatusOK, TipResponse{Hash: t.Hash, Height: t.Height, Work: t.Work.String(), Difficulty: t.Block.Header.Difficulty, Genesis: a.n.chain.ID()})
}

func (a *api) getBlock(w http.ResponseWriter, r *http.Request) error {
	h, err := chain.ParseHash(r.PathValue("hash"))
	if err != nil {
		return httpjson.Errorf(http.StatusBadRequest, httpjson.CodeBadHash, "block hash %q: want 64 hex characters", r.PathValue("hash"))
	}
	b, ok := a.n.chain.BlockByHash(h)
	if !ok {
		return httpjson.Errorf(http.StatusNotFound, httpjson.CodeUnknownBlock, "no block %s", h)
	}
	return httpjson.Write(w, http.StatusOK, b)
}

// MineResponse is the body of GET /mine: dvf's fields plus the hash and
// the whole block.
type MineResponse struct {
	Message      string       `json:"message"`       // "New Block Forged"
	Index        uint64       `json:"index"`         // the block's height
	Transactions []*chain.Tx  `json:"transactions"`  // coinbase first
	Proof        uint64       `json:"proof"`         // the nonce
	PreviousHash chain.Hash   `json:"previous_hash"` // the parent's hash
	Hash         chain.Hash   `json:"hash"`          // the block's hash
	Block        *chain.Block `json:"block"`         // the block itself
}

func (a *api) getMine(w http.ResponseWriter, r *http.Request) error {
	b, err := a.n.MineBlock(r.Context())
	switch {
	case errors.Is(err, ErrNoNonce):
		return httpjson.RuleError(http.StatusServiceUnavailable, CodeNoNonce, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return httpjson.Errorf(http.StatusServiceUnavailable, httpjson.CodeUnavailable, "mining stopped before a block was found: %w", err)
	case err != nil:
		return err // a block this node made itself broke a rule, or the miner failed: ours
	}
	return httpjson.Write(w, http.StatusOK, MineResponse{
		Message:      "New Block Forged",
		Index:        b.Height(),
		Transactions: b.Txs,
		Proof:        b.Header.Nonce,
		PreviousHash: b.Header.PrevHash,
		Hash:         b.Hash(),
		Block:        b,
	})
}

// AddBlockResponse is the body of POST /add_block.
type AddBlockResponse struct {
	Message string     `json:"message"`          // what happened, in words
	Status  string     `json:"status,omitempty"` // chain.Status: main-chain, side-chain, orphan, future
	Hash    chain.Hash `json:"hash"`             // the block's hash
}

func (a *api) postAddBlock(w http.ResponseWriter, r *http.Request) error {
	var b chain.Block
	if err := read(w, r, &b); err != nil {
		return err
	}
	status, err := a.n.chain.ProcessBlock(&b, a.n.cfg.Clock.Now())
	switch {
	case errors.Is(err, chain.ErrDuplicateBlock):
		return httpjson.Write(w, http.StatusOK, AddBlockResponse{Message: "Block already known", Hash: b.Hash()})
	case err != nil:
		return mapError(err)
	}
	res := AddBlockResponse{Message: "Block added", Status: status.String(), Hash: b.Hash()}
	switch status {
	case chain.StatusOrphan:
		res.Message = "Block held: its parent is unknown"
		return httpjson.Write(w, http.StatusAccepted, res)
	case chain.StatusFuture:
		res.Message = "Block held: its time is ahead of this node's clock"
		return httpjson.Write(w, http.StatusAccepted, res)
	}
	return httpjson.Write(w, http.StatusCreated, res)
}

// TxResponse is the body of POST /transactions/new, /new_transaction and
// /tx.
type TxResponse struct {
	// Message is dvf's "Transaction will be added to Block N", IBM's
	// "Success", or "Transaction added to the mempool" (/tx).
	Message string     `json:"message"`
	ID      chain.Hash `json:"id"` // the transaction id
	Tx      *chain.Tx  `json:"tx"` // the transaction as the mempool holds it
}

// TransactionsNewRequest is dvf's POST /transactions/new body; fee and
// memo are ours.
type TransactionsNewRequest struct {
	// Sender may be left out; when given it must be this node's address:
	// a node signs only with its own wallet.
	Sender    string `json:"sender"`
	Recipient string `json:"recipient"` // an address, 40 hex characters
	Amount    uint64 `json:"amount"`
	Fee       uint64 `json:"fee"`
	Memo      string `json:"memo"`
}

func (a *api) postTransactionsNew(w http.ResponseWriter, r *http.Request) error {
	var req TransactionsNewRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	n := a.n
	if req.Sender != "" && req.Sender != n.addr.String() {
		return httpjson.FieldError(http.StatusForbidden, httpjson.CodeWrongSender, "sender",
			fmt.Sprintf("this node signs only for its own wallet %s, not for sender %s", n.addr, req.Sender))
	}
	to, err := chain.ParseAddress(req.Recipient)
	if err != nil || to.IsZero() {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadAddress, "recipient",
			fmt.Sprintf("recipient %q: want an address of 40 hex characters", req.Recipient))
	}
	tx, err := n.Send(to, req.Amount, req.Fee, req.Memo)
	if err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusCreated, TxResponse{
		Message: fmt.Sprintf("Transaction will be added to Block %d", n.chain.Tip().Height+1),
		ID:      tx.ID(),
		Tx:      tx,
	})
}

// NewTransactionRequest is IBM's POST /new_transaction body.
type NewTransactionRequest struct {
	Author  string `json:"author"`  // the name the post is signed under
	Content string `json:"content"` // the post
}

func (a *api) postNewTransaction(w http.ResponseWriter, r *http.Request) error {
	var req NewTransactionRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{"author", req.Author}, {"content", req.Content}} {
		if f.value == "" {
			return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, f.name,
				"invalid transaction data: author and content are required")
		}
	}
	tx, err := a.n.Post(req.Author, req.Content)
	if err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusCreated, TxResponse{Message: "Success", ID: tx.ID(), Tx: tx})
}

func (a *api) getPendingTx(w http.ResponseWriter, r *http.Request) error {
	txs := a.n.pool.Txs()
	if txs == nil {
		txs = []*chain.Tx{}
	}
	return httpjson.Write(w, http.StatusOK, txs)
}

func (a *api) postTx(w http.ResponseWriter, r *http.Request) error {
	var tx chain.Tx
	if err := read(w, r, &tx); err != nil {
		return err
	}
	if err := a.n.SubmitTx(&tx); err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusCreated, TxResponse{Message: "Transaction added to the mempool", ID: tx.ID(), Tx: &tx})
}

// BalanceResponse is the body of GET /balance/{address}.
type BalanceResponse struct {
	Address chain.Address `json:"address"`
	Balance uint64        `json:"balance"`  // on the best chain
	NextSeq uint64        `json:"next_seq"` // the seq of the address's next transaction on the best chain
	// PendingSeq is the next seq counting the sender's pending transactions.
	PendingSeq uint64 `json:"pending_seq"`
	Height     uint64 `json:"height"` // the tip the balance is read at
}

func (a *api) getBalance(w http.ResponseWriter, r *http.Request) error {
	addr, err := chain.ParseAddress(r.PathValue("address"))
	if err != nil || addr.IsZero() {
		return httpjson.Errorf(http.StatusBadRequest, httpjson.CodeBadAddress, "address %q: want 40 hex characters", r.PathValue("address"))
	}
	n := a.n
	acct := n.chain.Balance(addr)
	return httpjson.Write(w, http.StatusOK, BalanceResponse{Address: addr, Balance: acct.Balance, NextSeq: acct.NextSeq, PendingSeq: n.pool.NextSeq(addr), Height: n.chain.Tip().Height})
}

// WalletResponse is the body of GET /wallet: this node's own account.
type WalletResponse struct {
	Address chain.Address `json:"address"`
	Name    string        `json:"name"` // the node's nickname
	Balance uint64        `json:"balance"`
	NextSeq uint64        `json:"next_seq"`
}

func (a *api) getWallet(w http.ResponseWriter, r *http.Request) error {
	n := a.n
	acct := n.chain.Balance(n.addr)
	return httpjson.Write(w, http.StatusOK, WalletResponse{Address: n.addr, Name: n.cfg.Name, Balance: acct.Balance, NextSeq: acct.NextSeq})
}

// PeersResponse is the body of GET /peers.
type PeersResponse struct {
	Room  []PeerInfo `json:"room"`  // the room's peers (the relay's)
	Nodes []string   `json:"nodes"` // the tutorials' HTTP peers, base URLs
}

func (a *api) getPeers(w http.ResponseWriter, r *http.Request) error {
	return httpjson.Write(w, http.StatusOK, PeersResponse{Room: orEmpty(a.n.Peers()), Nodes: orEmpty(a.n.HTTPPeers())})
}

// orEmpty turns nil into an empty slice, so JSON says [] and not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// NodesRegisterRequest is dvf's POST /nodes/register body.
type NodesRegisterRequest struct {
	Nodes []string `json:"nodes"` // "http://host:port" or "host:port"
}

// NodesRegisterResponse is the body of POST /nodes/register, as dvf's.
type NodesRegisterResponse struct {
	Message    string   `json:"message"`     // "New nodes have been added"
	TotalNodes []string `json:"total_nodes"` // every HTTP peer, base URLs
}

func (a *api) postNodesRegister(w http.ResponseWriter, r *http.Request) error {
	var req NodesRegisterRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	if len(req.Nodes) == 0 {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "nodes", "please supply a valid list of nodes")
	}
	all, err := a.n.RegisterHTTPPeers(req.Nodes)
	if err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusCreated, NodesRegisterResponse{Message: "New nodes have been added", TotalNodes: all})
}

// ResolveResponse is the body of GET /nodes/resolve, as dvf's: the chain
// is under new_chain when it was replaced, under chain when it was not.
type ResolveResponse struct {
	// Message is "Our chain was replaced" or "Our chain is authoritative".
	Message  string         `json:"message"`
	Length   int            `json:"length"`
	Chain    []*chain.Block `json:"chain,omitempty"`
	NewChain []*chain.Block `json:"new_chain,omitempty"`
	// Errors lists the peers that were not reached or whose chain was
	// refused, by base URL, each with the error's code (and rule).
	Errors map[string]httpjson.ErrorBody `json:"errors,omitempty"`
}

func (a *api) getNodesResolve(w http.ResponseWriter, r *http.Request) error {
	res := a.n.Resolve(r.Context())
	if res.NoneAnswered() {
		return a.noneAnswered(res)
	}
	blocks := a.n.chain.MainChain()
	body := ResolveResponse{Message: "Our chain is authoritative", Length: len(blocks), Chain: blocks}
	if res.Replaced {
		body.Message, body.Chain, body.NewChain = "Our chain was replaced", nil, blocks
	}
	for peer, err := range res.Errors {
		if body.Errors == nil {
			body.Errors = map[string]httpjson.ErrorBody{}
		}
		body.Errors[peer] = a.errorBody(r, err)
	}
	return httpjson.Write(w, http.StatusOK, body)
}

// noneAnswered is the 502 of /nodes/resolve when no peer answered with a
// chain: its sentence names each peer and why; its code is
// peer-unreachable if one could not be reached, else peer-bad-answer.
func (a *api) noneAnswered(res ResolveResult) error {
	code := httpjson.CodePeerBadAnswer
	var why []string
	for peer, err := range res.Errors {
		if errors.Is(err, ErrPeerUnreachable) {
			code = httpjson.CodePeerUnreachable
		}
		why = append(why, peer+": "+err.Error())
	}
	sort.Strings(why)
	return httpjson.Errorf(http.StatusBadGateway, code, "no peer answered with its chain, ours is unchanged (%s)", strings.Join(why, "; "))
}

// errorBody is the answer err would get, for a list of errors inside a
// 200; an internal error is logged and listed as internal.
func (a *api) errorBody(r *http.Request, err error) httpjson.ErrorBody {
	var he *httpjson.Error
	if errors.As(mapError(err), &he) {
		return he.Body()
	}
	a.log.Error("node: api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	return httpjson.ErrorBody{Error: "internal error", Code: httpjson.CodeInternal}
}

// RegisterNodeRequest is IBM's POST /register_node and /register_with body.
type RegisterNodeRequest struct {
	NodeAddress string `json:"node_address"` // "http://host:port"
}

// RegisterNodeResponse is the body of POST /register_node, as IBM's: our
// chain and peers, for the node that registered.
type RegisterNodeResponse struct {
	Length int            `json:"length"`
	Chain  []*chain.Block `json:"chain"`
	Peers  []string       `json:"peers"` // base URLs, the caller included
}

// postRegisterNode is IBM's /register_node: remember the caller and hand
// it our chain and peers.
func (a *api) postRegisterNode(w http.ResponseWriter, r *http.Request) error {
	var req RegisterNodeRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	if req.NodeAddress == "" {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "node_address", "invalid data: node_address is required")
	}
	peers, err := a.n.RegisterHTTPPeers([]string{req.NodeAddress})
	if err != nil {
		return mapError(err)
	}
	blocks := a.n.chain.MainChain()
	return httpjson.Write(w, http.StatusOK, RegisterNodeResponse{Length: len(blocks), Chain: blocks, Peers: peers})
}

// RegisterWithResponse is the body of POST /register_with.
type RegisterWithResponse struct {
	Message     string   `json:"message"`      // "Registration successful", as IBM's
	AddedBlocks int      `json:"added_blocks"` // blocks that joined our best chain
	Peers       []string `json:"peers"`        // every HTTP peer now, base URLs
}

// postRegisterWith is IBM's /register_with: register this node with the
// node at node_address, then copy its chain (fully validated) and peers.
func (a *api) postRegisterWith(w http.ResponseWriter, r *http.Request) error {
	var req RegisterNodeRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	if req.NodeAddress == "" {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "node_address", "invalid data: node_address is required")
	}
	base, err := NormalizePeerURL(req.NodeAddress)
	if err != nil {
		return mapError(err)
	}
	self := "http://" + r.Host
	added, err := a.n.RegisterWith(r.Context(), base, self)
	if err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusOK, RegisterWithResponse{Message: "Registration successful", AddedBlocks: added, Peers: orEmpty(a.n.HTTPPeers())})
}
