//go:build !js

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Fakes of the tutorials' own Flask nodes, written from their code
// (dvf/blockchain's blockchain.py, satwikkansal/python_blockchain_app's
// node_server.py) so that a test can peer Chainplay with them. They do
// what the Python does, including where it crashes: every place the
// original raises an exception it does not catch answers 500 here, and
// the fake counts those, so a test can require that Chainplay caused
// none.

// flaskNode is what both fakes share: a server and its count of 500s.
type flaskNode struct {
	*httptest.Server
	mu     sync.Mutex
	crashs []string // why each 500 was answered
	asked  []string // "METHOD /path" of every request
}

// record wraps the node's handler to log every request.
func (f *flaskNode) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.asked = append(f.asked, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// requests returns "METHOD /path" of every request so far.
func (f *flaskNode) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// crash answers 500 as Flask does for an uncaught exception, recording why.
func (f *flaskNode) crash(w http.ResponseWriter, why string) {
	f.mu.Lock()
	f.crashs = append(f.crashs, why)
	f.mu.Unlock()
	http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
}

// crashes returns the reasons of every 500 answered so far.
func (f *flaskNode) crashes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.crashs...)
}

// hostURL is Flask's request.host_url: the scheme, host and a trailing
// slash.
func hostURL(r *http.Request) string { return "http://" + r.Host + "/" }

// pyHash is the tutorials' block hash, sha256(json.dumps(block,
// sort_keys=True)); Go's encoding of a map sorts its keys too (the
// separators differ from Python's, which only matters between two fakes).
func pyHash(block map[string]any) string {
	b, _ := json.Marshal(block)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ibmNode fakes node_server.py of the IBM tutorial.
type ibmNode struct {
	flaskNode
	mu          sync.Mutex
	chain       []map[string]any
	unconfirmed []map[string]any
	peers       []string // as node_server.py's set: exactly the strings it was given
}

func newIBMNode(t *testing.T) *ibmNode {
	f := &ibmNode{}
	genesis := map[string]any{"index": 0, "transactions": []any{}, "timestamp": 0, "previous_hash": "0", "nonce": 0}
	genesis["hash"] = pyHash(genesis)
	f.chain = []map[string]any{genesis}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /new_transaction", f.newTransaction)
	mux.HandleFunc("GET /chain", f.getChain)
	mux.HandleFunc("GET /mine", f.mine)
	mux.HandleFunc("POST /register_node", f.registerNode)
	mux.HandleFunc("POST /register_with", f.registerWith)
	mux.HandleFunc("POST /add_block", f.addBlock)
	f.Server = httptest.NewServer(f.record(mux))
	t.Cleanup(f.Close)
	return f
}

func (f *ibmNode) chainJSON() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"length": len(f.chain), "chain": f.chain, "peers": f.peers})
	return b
}

// peerList returns the peers the node keeps.
func (f *ibmNode) peerList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.peers...)
}

func (f *ibmNode) getChain(w http.ResponseWriter, r *http.Request) { w.Write(f.chainJSON()) }

func (f *ibmNode) newTransaction(w http.ResponseWriter, r *http.Request) {
	var tx map[string]any
	if json.NewDecoder(r.Body).Decode(&tx) != nil {
		f.crash(w, "new_transaction: not JSON")
		return
	}
	if tx["author"] == nil || tx["content"] == nil {
		http.Error(w, "Invalid transaction data", http.StatusNotFound)
		return
	}
	tx["timestamp"] = 1.7e9
	f.mu.Lock()
	f.unconfirmed = append(f.unconfirmed, tx)
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, "Success")
}

// mine is mine_unconfirmed_transactions: mine, consensus() (GET
// '{}chain'.format(peer) of every peer; check_chain_validity of a longer
// one, which the original calls on dicts and so always raises), then
// announce_new_block (POST '{}add_block'.format(peer)).
func (f *ibmNode) mine(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if len(f.unconfirmed) == 0 {
		f.mu.Unlock()
		io.WriteString(w, "No transactions to mine")
		return
	}
	last := f.chain[len(f.chain)-1]
	block := map[string]any{"index": len(f.chain), "transactions": f.unconfirmed, "timestamp": 1.7e9, "previous_hash": last["hash"], "nonce": 0}
	block["hash"] = pyHash(block)
	f.chain = append(f.chain, block)
	f.unconfirmed = nil
	peers := append([]string(nil), f.peers...)
	length := len(f.chain)
	f.mu.Unlock()
	for _, peer := range peers {
		res, err := http.Get(fmt.Sprintf("%schain", peer))
		if err != nil {
			f.crash(w, fmt.Sprintf("consensus: requests.get('%schain'): %v", peer, err))
			return
		}
		var dump struct {
			Length int `json:"length"`
		}
		err = json.NewDecoder(res.Body).Decode(&dump)
		res.Body.Close()
		if err != nil {
			f.crash(w, fmt.Sprintf("consensus: response.json() of %schain: %v", peer, err))
			return
		}
		if dump.Length > length {
			f.crash(w, "consensus: check_chain_validity: 'dict' object has no attribute 'hash'")
			return
		}
	}
	body, _ := json.Marshal(block)
	for _, peer := range peers {
		res, err := http.Post(fmt.Sprintf("%sadd_block", peer), "application/json", bytes.NewReader(body))
		if err != nil {
			f.crash(w, fmt.Sprintf("announce_new_block: requests.post('%sadd_block'): %v", peer, err))
			return
		}
		res.Body.Close()
	}
	fmt.Fprintf(w, "Block #%d is mined.", block["index"])
}

func (f *ibmNode) registerNode(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if json.NewDecoder(r.Body).Decode(&req) != nil {
		f.crash(w, "register_node: not JSON")
		return
	}
	addr, _ := req["node_address"].(string)
	if addr == "" {
		http.Error(w, "Invalid data", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.peers = append(f.peers, addr)
	f.mu.Unlock()
	w.Write(f.chainJSON())
}

// registerWith posts {"node_address": request.host_url} to
// node_address + "/register_node"; on 200 it rebuilds its chain from the
// dump (create_chain_from_dump raises on a block whose previous_hash is
// not its own last hash) and takes the peers; otherwise it passes the
// answer on.
func (f *ibmNode) registerWith(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if json.NewDecoder(r.Body).Decode(&req) != nil {
		f.crash(w, "register_with: not JSON")
		return
	}
	addr, _ := req["node_address"].(string)
	if addr == "" {
		http.Error(w, "Invalid data", http.StatusBadRequest)
		return
	}
	body, _ := json.Marshal(map[string]string{"node_address": hostURL(r)})
	res, err := http.Post(addr+"/register_node", "application/json", bytes.NewReader(body))
	if err != nil {
		f.crash(w, fmt.Sprintf("register_with: requests.post: %v", err))
		return
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		w.WriteHeader(res.StatusCode) // return response.content, response.status_code
		w.Write(data)
		return
	}
	var dump struct {
		Chain []map[string]any `json:"chain"`
		Peers []string         `json:"peers"`
	}
	if err := json.Unmarshal(data, &dump); err != nil {
		f.crash(w, fmt.Sprintf("register_with: response.json(): %v", err))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	last := f.chain[0]["hash"]
	for _, b := range dump.Chain[1:] {
		if b["previous_hash"] != last {
			f.crash(w, "create_chain_from_dump: ValueError('Previous hash incorrect')")
			return
		}
		last = b["hash"]
	}
	f.peers = append(f.peers, dump.Peers...)
	io.WriteString(w, "Registration successful")
}

// addBlock is verify_and_add_block: a block that is refused raises in
// its own except clause (e.str() does not exist), so every refusal is a
// 500.
func (f *ibmNode) addBlock(w http.ResponseWriter, r *http.Request) {
	var b map[string]any
	if json.NewDecoder(r.Body).Decode(&b) != nil {
		f.crash(w, "add_block: not JSON")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if b["previous_hash"] != f.chain[len(f.chain)-1]["hash"] {
		f.crash(w, "add_block: ValueError('Previous hash incorrect'), then AttributeError: 'ValueError' object has no attribute 'str'")
		return
	}
	f.chain = append(f.chain, b)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, "Block added to the chain")
}

// dvfNode fakes blockchain.py of "Learn Blockchains by Building One".
type dvfNode struct {
	flaskNode
	mu    sync.Mutex
	chain []map[string]any
	nodes []string // netlocs, as register_node keeps them
}

func newDvfNode(t *testing.T) *dvfNode {
	f := &dvfNode{}
	f.chain = []map[string]any{{"index": 1, "timestamp": 1506280650.770839, "transactions": []any{}, "proof": 100, "previous_hash": "1"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chain", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"chain": f.chain, "length": len(f.chain)})
	})
	mux.HandleFunc("POST /nodes/register", f.register)
	mux.HandleFunc("GET /nodes/resolve", f.resolve)
	f.Server = httptest.NewServer(f.record(mux))
	t.Cleanup(f.Close)
	return f
}

func (f *dvfNode) register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Nodes []string `json:"nodes"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.Nodes == nil {
		http.Error(w, "Error: Please supply a valid list of nodes", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range req.Nodes {
		u, err := url.Parse(n)
		switch {
		case err == nil && u.Host != "":
			f.nodes = append(f.nodes, u.Host)
		case n != "":
			f.nodes = append(f.nodes, n)
		default:
			f.crash(w, "register_node: ValueError('Invalid URL')")
			return
		}
	}
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"message": "New nodes have been added", "total_nodes": f.nodes})
}

// resolve is resolve_conflicts: GET f'http://{node}/chain' of every node;
// a longer chain replaces ours if valid_chain holds: each block's
// previous_hash must be the hash of the one before.
func (f *dvfNode) resolve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	nodes := append([]string(nil), f.nodes...)
	maxLength := len(f.chain)
	f.mu.Unlock()
	var newChain []map[string]any
	for _, n := range nodes {
		res, err := http.Get(fmt.Sprintf("http://%s/chain", n))
		if err != nil {
			f.crash(w, fmt.Sprintf("resolve_conflicts: requests.get: %v", err))
			return
		}
		var dump struct {
			Length *int             `json:"length"`
			Chain  []map[string]any `json:"chain"`
		}
		err = json.NewDecoder(res.Body).Decode(&dump)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			continue
		}
		if err != nil || dump.Length == nil || dump.Chain == nil {
			f.crash(w, "resolve_conflicts: KeyError on response.json()['length'] or ['chain']")
			return
		}
		if *dump.Length > maxLength && validChain(dump.Chain) {
			maxLength, newChain = *dump.Length, dump.Chain
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if newChain != nil {
		f.chain = newChain
		json.NewEncoder(w).Encode(map[string]any{"message": "Our chain was replaced", "new_chain": f.chain})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"message": "Our chain is authoritative", "chain": f.chain})
}

func validChain(chain []map[string]any) bool {
	for i := 1; i < len(chain); i++ {
		if chain[i]["previous_hash"] != pyHash(chain[i-1]) {
			return false
		}
	}
	return true
}

// trimSlash is a helper for comparing URLs with and without Flask's slash.
func trimSlash(s string) string { return strings.TrimRight(s, "/") }
