package node

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// The node's REST API: the tutorials' endpoints with their field names,
// so dvf's and IBM's clients work unchanged, and the native ones. Every
// answer is JSON (internal/httpjson); a refused request changes nothing.
//
//	GET  /chain             200 ChainResponse {length, chain, peers}; ?view=posts gives
//	                        PostsChainResponse (each block's posts only), the default
//	                        in TutorialIBM; ?view=blocks the blocks in every mode
//	GET  /mine              200 MineResponse {message, index, transactions, proof, previous_hash, hash, block, note};
//	                        TutorialIBM: "Block #N is mined.", or {message: "No transactions
//	                        to mine"} and no block when nothing is pending
//	POST /transactions/new  dvf's {sender, recipient, amount} (+ fee, memo) → 201 TxResponse;
//	                        400 "Missing values" without recipient or amount; recipient
//	                        and sender may be account names (chain.ParseAccount);
//	                        403 wrong-sender for a sender the node holds no key for
//	POST /new_transaction   IBM's {author, content} → 201 TxResponse; long content
//	                        becomes a thread of posts (Node.Post)
//	GET  /pending_tx        200 [tx, …] (the mempool)
//	POST /nodes/register    dvf's {nodes: [url, …]} → 201 NodesRegisterResponse {message, total_nodes};
//	                        400 too-many-peers (nothing stored) past MaxHTTPPeers
//	GET  /nodes/resolve     200 ResolveResponse {message, chain | new_chain, length, errors};
//	                        502 when peers were asked and none answered with a chain
//	POST /register_node     IBM's {node_address} + our genesis → 200 RegisterNodeResponse
//	                        {length, chain, peers}; 409 foreign-chain without our genesis
//	POST /register_with     IBM's {node_address} → 200 RegisterWithResponse; 502 when that
//	                        node can't be asked, 409 foreign-chain when it is not on this
//	                        chain, 400 with the rule when its chain breaks one
//	POST /add_block         a block → 201 added, 202 held (orphan, future), 200 known: AddBlockResponse;
//	                        409 foreign-chain for a block of a tutorial's own node
//	POST /tx                a signed transaction → 201 TxResponse
//	GET  /blocks/{hash}     200 a block; 404 unknown-block
//	GET  /tip               200 TipResponse
//	GET  /balance/{account} 200 BalanceResponse: an address, or an account name
//	GET  /wallet            200 WalletResponse
//	GET  /peers             200 PeersResponse
//	GET  /brokenkey/{account}, POST /brokenkey/{account}/spend: a key that reused a
//	                        nonce recovered from the chain, and spent (brokenkey.go)
//	GET  /verify?node=URL   200 VerifyReport: another node's answers checked against
//	                        this node's own chain (verify.go)
//
// An error is an httpjson.ErrorBody {error, code} and, when a consensus
// or policy rule failed, rule (the same code as code) plus the rule's have
// and want. Statuses: 400 for bad input and broken rules, except 429 for
// too-many-free-txs and 503 for mempool-full and no-nonce; 403
// wrong-sender; 404 not-found (no such endpoint) and unknown-block; 405
// method-not-allowed (with Allow); 409 foreign-chain; 413
// body-too-large; 502 peer-unreachable and peer-bad-answer; 503
// unavailable (mining cancelled); 500 internal, whose cause only the log
// sees. The codes are internal/httpjson's Code* constants, chain's rule
// codes and this package's.
//
// Where Chainplay differs from the tutorials on purpose, the answer says
// so in a note: every transaction is signed (so a node sends only from
// accounts it holds a key for), the genesis block has index 0 and the
// reward is 50 coins (DESIGN.md), and the tutorials' own nodes can't peer
// with a Chainplay node (their blocks are unsigned and hashed otherwise).
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
	// Tutorial is the tutorials' open mode (see Tutorial); TutorialNone,
	// the default, is Chainplay's own API. In a tutorial mode the node's
	// wallet should be the named account of its name (chain.NameKey of
	// Config.Name), as cmd/node -tutorial makes it: the tutorials' node
	// identifier is then an account that holds the node's rewards.
	Tutorial Tutorial
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
	a := &api{n: n, log: cfg.Logger, tutorial: cfg.Tutorial}
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
	m.Handle("GET /balance/{account}", a.getBalance)
	m.Handle("GET /wallet", a.getWallet)
	m.Handle("POST /nodes/register", a.postNodesRegister)
	m.Handle("GET /nodes/resolve", a.getNodesResolve)
	m.Handle("POST /register_node", a.postRegisterNode)
	m.Handle("POST /register_with", a.postRegisterWith)
	m.Handle("GET /peers", a.getPeers)
	m.Handle("GET /brokenkey/{account}", a.getBrokenKey)
	m.Handle("POST /brokenkey/{account}/spend", a.postBrokenKeySpend)
	m.Handle("GET /verify", a.getVerify)
	return m
}

// api is the REST API of one node.
type api struct {
	n        *Node
	log      *slog.Logger
	tutorial Tutorial
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
		return httpjson.Wrap(http.StatusBadRequest, httpjson.CodeTooManyPeers, err)
	case errors.Is(err, ErrForeignChain):
		return httpjson.Wrap(http.StatusConflict, httpjson.CodeForeignChain, err)
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
	// Peers lists the HTTP peers as PeerURLs, as IBM's /chain does.
	Peers []string `json:"peers"`
}

// PostsChainResponse is the body of GET /chain?view=posts (the default
// in TutorialIBM): the best chain with each block's posts only, which is
// all the IBM tutorial's app lists.
type PostsChainResponse struct {
	Length int          `json:"length"`
	Chain  []PostsBlock `json:"chain"`
	Peers  []string     `json:"peers"`
}

// PostsBlock is a block in the posts view: the block's JSON with only
// its posts (chain.Tx.IsPost) under transactions — none in the genesis
// block, whose coinbase carries the parameters — and the rest beside
// them, so that the hash, the merkle root (from tx_ids, in block order)
// and every transaction can still be checked.
type PostsBlock struct {
	*chain.BlockJSON
	Coinbase  *chain.TxJSON   `json:"coinbase"`            // the reward (the parameters in genesis)
	Transfers []*chain.TxJSON `json:"transfers,omitempty"` // the block's other transactions
	TxIDs     []chain.Hash    `json:"tx_ids"`              // every transaction's id, in block order
}

// postsBlock returns b in the posts view.
func postsBlock(b *chain.Block) PostsBlock {
	j := b.JSON()
	p := PostsBlock{BlockJSON: j, TxIDs: make([]chain.Hash, len(b.Txs))}
	posts := make([]*chain.TxJSON, 0, len(j.Transactions))
	for i, tx := range b.Txs {
		p.TxIDs[i] = j.Transactions[i].ID
		switch {
		case tx.IsCoinbase():
			p.Coinbase = j.Transactions[i]
		case tx.IsPost():
			posts = append(posts, j.Transactions[i])
		default:
			p.Transfers = append(p.Transfers, j.Transactions[i])
		}
	}
	j.Transactions = posts
	return p
}

func (a *api) getChain(w http.ResponseWriter, r *http.Request) error {
	view := r.URL.Query().Get("view")
	switch view {
	case "":
		if a.tutorial == TutorialIBM {
			view = "posts"
		}
	case "blocks", "posts":
	default:
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeWrongType, "view", fmt.Sprintf("view %q: want blocks or posts", view))
	}
	blocks := a.n.chain.MainChain()
	peers := a.n.HTTPPeers()
	if view == "posts" {
		res := PostsChainResponse{Length: len(blocks), Chain: make([]PostsBlock, len(blocks)), Peers: peers}
		for i, b := range blocks {
			res.Chain[i] = postsBlock(b)
		}
		return httpjson.Write(w, http.StatusOK, res)
	}
	return httpjson.Write(w, http.StatusOK, ChainResponse{Length: len(blocks), Chain: blocks, Peers: peers})
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
	// Message is dvf's "New Block Forged", or IBM's "Block #N is mined."
	// in TutorialIBM.
	Message      string       `json:"message"`
	Index        uint64       `json:"index"`         // the block's height
	Transactions []*chain.Tx  `json:"transactions"`  // coinbase first
	Proof        uint64       `json:"proof"`         // the nonce
	PreviousHash chain.Hash   `json:"previous_hash"` // the parent's hash
	Hash         chain.Hash   `json:"hash"`          // the block's hash
	Block        *chain.Block `json:"block"`         // the block itself
	Note         string       `json:"note"`          // where Chainplay differs from the tutorials
}

// NothingToMineResponse is the body of GET /mine in TutorialIBM when no
// transaction is pending: IBM's "No transactions to mine"; nothing was
// mined.
type NothingToMineResponse struct {
	Message string `json:"message"` // "No transactions to mine"
	Note    string `json:"note"`
}

func (a *api) getMine(w http.ResponseWriter, r *http.Request) error {
	if a.tutorial == TutorialIBM && a.n.pool.Len() == 0 {
		return httpjson.Write(w, http.StatusOK, NothingToMineResponse{Message: "No transactions to mine",
			Note: "As in IBM's tutorial, this node (cmd/node -tutorial ibm) mines only when a post is pending. Chainplay's own nodes mine empty blocks too, for the reward."})
	}
	b, err := a.n.MineBlock(r.Context())
	switch {
	case errors.Is(err, ErrNoNonce):
		return httpjson.RuleError(http.StatusServiceUnavailable, CodeNoNonce, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return httpjson.Errorf(http.StatusServiceUnavailable, httpjson.CodeUnavailable, "mining stopped before a block was found: %w", err)
	case err != nil:
		return err // a block this node made itself broke a rule, or the miner failed: ours
	}
	res := MineResponse{
		Message:      "New Block Forged",
		Index:        b.Height(),
		Transactions: b.Txs,
		Proof:        b.Header.Nonce,
		PreviousHash: b.Header.PrevHash,
		Hash:         b.Hash(),
		Block:        b,
		Note: fmt.Sprintf("Block #%d pays %d coins to this node's wallet %s (dvf's tutorial pays 1; Chainplay's genesis is block 0 and its reward 50, halving). "+
			"The proof is the nonce: with it the block's SHA-256 hash is at most the target of difficulty %d.",
			b.Height(), b.Txs[0].Amount, a.n.addr, b.Header.Difficulty),
	}
	if a.tutorial == TutorialIBM {
		res.Message = fmt.Sprintf("Block #%d is mined.", b.Height())
	}
	return httpjson.Write(w, http.StatusOK, res)
}

// looksLikeChainplayBlock reports whether a JSON object has the header
// fields only Chainplay's blocks have, so that a block of the tutorials'
// own nodes (index, transactions, timestamp, previous_hash, nonce or
// proof) is told apart from a Chainplay block that breaks a rule.
func looksLikeChainplayBlock(raw json.RawMessage) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil {
		return true // not an object: leave it to the rule's error
	}
	for _, k := range []string{"merkle_root", "version", "difficulty"} {
		if _, ok := keys[k]; ok {
			return true
		}
	}
	return false
}

// AddBlockResponse is the body of POST /add_block.
type AddBlockResponse struct {
	Message string     `json:"message"`          // what happened, in words
	Status  string     `json:"status,omitempty"` // chain.Status: main-chain, side-chain, orphan, future
	Hash    chain.Hash `json:"hash"`             // the block's hash
}

func (a *api) postAddBlock(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := read(w, r, &raw); err != nil {
		return err
	}
	var b chain.Block
	if err := b.UnmarshalJSON(raw); err != nil {
		if !looksLikeChainplayBlock(raw) {
			return httpjson.Errorf(http.StatusConflict, httpjson.CodeForeignChain,
				"this is no Chainplay block (it has no merkle_root, version or difficulty: a tutorial's own node's?), so it was discarded: %s", whyForeign)
		}
		return mapError(err)
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
	ID      chain.Hash `json:"id"` // the transaction id (a thread's first post)
	Tx      *chain.Tx  `json:"tx"` // the transaction as the mempool holds it
	// Thread lists every post when long content became a thread.
	Thread []*chain.Tx `json:"thread,omitempty"`
	// Accounts gives the address of each account name the request used.
	Accounts map[string]chain.Address `json:"accounts,omitempty"`
	// Note says where Chainplay differs from the tutorial: signatures,
	// named accounts, a post cut or threaded.
	Note string `json:"note,omitempty"`
}

// TransactionsNewRequest is dvf's POST /transactions/new body; fee and
// memo are ours. Recipient and amount are required ("Missing values");
// sender may be left out.
type TransactionsNewRequest struct {
	// Sender is whose coins move: left out, this node's wallet (its
	// address or, in a tutorial mode, its name); in a tutorial mode also
	// any account name, signed for with the name's demo key. Any other
	// sender is refused: the node holds no key for it.
	Sender    string  `json:"sender"`
	Recipient *string `json:"recipient"` // an address (40 hex characters) or an account name
	Amount    *uint64 `json:"amount"`
	Fee       uint64  `json:"fee"`
	Memo      string  `json:"memo"`
}

// signer is the key and nickname a transfer is signed with.
type signer struct {
	key  ed25519.PrivateKey
	name string // Tx.Name
	// account is the sender's account name, when the request named it.
	account string
}

// senderKey finds the key of a /transactions/new sender, or refuses it:
// 403 wrong-sender with a sentence about signatures, 400 bad-address.
func (a *api) senderKey(sender string) (signer, error) {
	n := a.n
	own := signer{key: n.cfg.Key, name: n.cfg.Name}
	if sender == "" {
		return own, nil
	}
	if sender == "0" {
		return signer{}, httpjson.FieldError(http.StatusForbidden, httpjson.CodeWrongSender, "sender",
			`sender "0" is dvf's mark of a mining reward: on Chainplay coins are created only by a block's coinbase (GET /mine pays this node's wallet)`)
	}
	addr, name, err := chain.ParseAccount(sender)
	if err != nil {
		return signer{}, httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadAddress, "sender",
			fmt.Sprintf("sender %q: want an address of 40 hex characters or an account name of 1 to %d bytes (%v)", sender, chain.MaxNameBytes, err))
	}
	if addr == n.addr {
		own.account = name // the node's own name, in a tutorial mode
		return own, nil
	}
	signs := "Chainplay's transactions are signed, and this node holds the key of its own wallet " + n.addr.String()
	switch {
	case name == "":
		return signer{}, httpjson.FieldError(http.StatusForbidden, httpjson.CodeWrongSender, "sender",
			fmt.Sprintf("%s only, so it can't sign for %s: leave sender out to send from this node's wallet (dvf's tutorial has no signatures, so any sender goes there)", signs, addr))
	case !a.tutorial.Open():
		return signer{}, httpjson.FieldError(http.StatusForbidden, httpjson.CodeWrongSender, "sender",
			fmt.Sprintf("%s only, so it can't sign for the named account %q (%s). Named accounts are signed for with keys anyone can derive from the name, "+
				"which a node does only in the tutorials' open mode (cmd/node -tutorial dvf), as dvf's unsigned world assumes", signs, name, addr))
	}
	return signer{key: chain.NameKey(name), name: name, account: name}, nil
}

func (a *api) postTransactionsNew(w http.ResponseWriter, r *http.Request) error {
	var req TransactionsNewRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	var missing []string
	if req.Recipient == nil {
		missing = append(missing, "recipient")
	}
	if req.Amount == nil {
		missing = append(missing, "amount")
	}
	if len(missing) > 0 {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, missing[0],
			fmt.Sprintf("Missing values: %s (a transaction needs recipient and amount; sender defaults to this node's wallet)", strings.Join(missing, " and ")))
	}
	n := a.n
	from, err := a.senderKey(req.Sender)
	if err != nil {
		return err
	}
	to, toName, err := chain.ParseAccount(*req.Recipient)
	if err != nil || to.IsZero() {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadAddress, "recipient",
			fmt.Sprintf("recipient %q: want an address of 40 hex characters or an account name of 1 to %d bytes", *req.Recipient, chain.MaxNameBytes))
	}
	res := TxResponse{}
	var notes []string
	if from.account != "" {
		res.Accounts = map[string]chain.Address{from.account: chain.KeyAddress(from.key)}
		notes = append(notes, fmt.Sprintf("Chainplay signs every transaction: this node signed for the named account %q (%s) with its demo key, "+
			"which anyone can derive from the name: the tutorials' open mode, where anyone may send from any name.", from.account, chain.KeyAddress(from.key)))
	}
	if toName != "" {
		if res.Accounts == nil {
			res.Accounts = map[string]chain.Address{}
		}
		res.Accounts[toName] = to
		notes = append(notes, fmt.Sprintf("Recipient %q is the named account %s (GET /balance/%s).", toName, to, url.PathEscape(toName)))
	}
	tx, err := n.SendAs(from.key, from.name, to, *req.Amount, req.Fee, req.Memo)
	if err != nil {
		if from.account != "" && errors.Is(err, chain.ErrOverspend) {
			err = fmt.Errorf("%w (in tutorial mode a node's rewards go to the account of its own name, %q)", err, n.cfg.Name)
		}
		return mapError(err)
	}
	res.Message = fmt.Sprintf("Transaction will be added to Block %d", n.chain.Tip().Height+1)
	res.ID, res.Tx, res.Note = tx.ID(), tx, strings.Join(notes, " ")
	return httpjson.Write(w, http.StatusCreated, res)
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
				"Invalid transaction data: author and content are required")
		}
	}
	txs, err := a.n.Post(req.Author, req.Content)
	if err != nil {
		return mapError(err)
	}
	res := TxResponse{Message: "Success", ID: txs[0].ID(), Tx: txs[0],
		Note: fmt.Sprintf("A post on Chainplay is a transaction of 0 coins, signed by this node's wallet %s under the name %q.", a.n.addr, txs[0].Name)}
	if txs[0].Name != req.Author {
		res.Note += fmt.Sprintf(" A name holds at most %d bytes: %q was cut to %q.", chain.MaxNameBytes, req.Author, txs[0].Name)
	}
	if len(txs) > 1 {
		res.Thread = txs
		res.Note += fmt.Sprintf(" A post holds at most %d bytes: these %d bytes became a thread of %d posts, with the same time, in order.",
			chain.MaxMemoBytes, len(req.Content), len(txs))
	}
	return httpjson.Write(w, http.StatusCreated, res)
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

// BalanceResponse is the body of GET /balance/{account}.
type BalanceResponse struct {
	Address chain.Address `json:"address"`
	// Name is the account name asked for, when it was one (its address is
	// chain.NameAddress(name)).
	Name    string `json:"name,omitempty"`
	Balance uint64 `json:"balance"`  // on the best chain
	NextSeq uint64 `json:"next_seq"` // the seq of the address's next transaction on the best chain
	// PendingSeq is the next seq counting the sender's pending transactions.
	PendingSeq uint64 `json:"pending_seq"`
	Height     uint64 `json:"height"` // the tip the balance is read at
}

func (a *api) getBalance(w http.ResponseWriter, r *http.Request) error {
	account := r.PathValue("account")
	addr, name, err := chain.ParseAccount(account)
	if err != nil || addr.IsZero() {
		return httpjson.Errorf(http.StatusBadRequest, httpjson.CodeBadAddress, "account %q: want an address of 40 hex characters or an account name of 1 to %d bytes", account, chain.MaxNameBytes)
	}
	n := a.n
	acct := n.chain.Balance(addr)
	return httpjson.Write(w, http.StatusOK, BalanceResponse{Address: addr, Name: name, Balance: acct.Balance, NextSeq: acct.NextSeq, PendingSeq: n.pool.NextSeq(addr), Height: n.chain.Tip().Height})
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
	Room  []PeerInfo `json:"room"`  // the room's peers (the relay's); never null
	Nodes []string   `json:"nodes"` // the tutorials' HTTP peers, as PeerURLs; never null
}

func (a *api) getPeers(w http.ResponseWriter, r *http.Request) error {
	return httpjson.Write(w, http.StatusOK, PeersResponse{Room: orEmpty(a.n.Peers()), Nodes: a.n.HTTPPeers()})
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
	TotalNodes []string `json:"total_nodes"` // every HTTP peer, as PeerURLs
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
	// refused, by PeerURL, each with the error's code (and rule):
	// foreign-chain for a node of another chain or a tutorial's own node.
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
		body.Errors[PeerURL(peer)] = a.errorBody(r, err)
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
		why = append(why, PeerURL(peer)+": "+err.Error())
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

// RegisterNodeRequest is IBM's POST /register_node and /register_with
// body; genesis is ours.
type RegisterNodeRequest struct {
	NodeAddress string `json:"node_address"` // "http://host:port" or PeerURL's "http://host:port/"
	// Genesis is the registering node's chain id (its genesis hash, hex).
	// A Chainplay node sends it to /register_node, which refuses a caller
	// without it: one of the tutorials' own nodes, which could not read
	// the chain it would be answered with. /register_with ignores it.
	Genesis string `json:"genesis,omitempty"`
}

// RegisterNodeResponse is the body of POST /register_node, as IBM's: our
// chain and peers, for the node that registered.
type RegisterNodeResponse struct {
	Length int            `json:"length"`
	Chain  []*chain.Block `json:"chain"`
	Peers  []string       `json:"peers"` // PeerURLs, the caller included
}

// postRegisterNode is IBM's /register_node: remember the caller and hand
// it our chain and peers — if it says it is on our chain.
func (a *api) postRegisterNode(w http.ResponseWriter, r *http.Request) error {
	var req RegisterNodeRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	if req.NodeAddress == "" {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "node_address", "Invalid data: node_address is required")
	}
	base, err := NormalizePeerURL(req.NodeAddress)
	if err != nil {
		return mapError(err)
	}
	id := a.n.chain.ID()
	if req.Genesis == "" {
		return httpjson.FieldError(http.StatusConflict, httpjson.CodeForeignChain, "genesis", fmt.Sprintf(
			"%s did not say which chain it is on (genesis), so it is taken for one of the tutorials' own nodes, and nothing was stored: %s. "+
				"A Chainplay node registers with POST /register_with, which sends this node's genesis %s.", PeerURL(base), whyForeign, id))
	}
	g, err := chain.ParseHash(req.Genesis)
	if err != nil {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadHash, "genesis", fmt.Sprintf("genesis %q: want 64 hex characters", req.Genesis))
	}
	if g != id {
		return mapError(foreignGenesis(base, g, id))
	}
	peers, err := a.n.http.register([]string{base}, peerOurs)
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
	Peers       []string `json:"peers"`        // every HTTP peer now, as PeerURLs
}

// postRegisterWith is IBM's /register_with: register this node with the
// node at node_address, then copy its chain (fully validated) and peers.
// This node tells the other it is at PeerURL("http://" + the Host it was
// asked on), as Flask's request.host_url.
func (a *api) postRegisterWith(w http.ResponseWriter, r *http.Request) error {
	var req RegisterNodeRequest
	if err := read(w, r, &req); err != nil {
		return err
	}
	if req.NodeAddress == "" {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "node_address", "Invalid data: node_address is required")
	}
	base, err := NormalizePeerURL(req.NodeAddress)
	if err != nil {
		return mapError(err)
	}
	added, err := a.n.RegisterWith(r.Context(), base, "http://"+r.Host)
	if err != nil {
		return mapError(err)
	}
	return httpjson.Write(w, http.StatusOK, RegisterWithResponse{Message: "Registration successful", AddedBlocks: added, Peers: a.n.HTTPPeers()})
}
