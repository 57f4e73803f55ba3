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
	var re *chain.RuleError
	if errors.As(err, &re) {
		e.Rule = re.Rule.Error()
	}
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
	status, err := n.addBlock(&b)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Block added", "status": status.String(), "hash": b.Hash()})
}
