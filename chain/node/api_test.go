package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// apiError is the JSON of an error answer (node_test.go decodes it).
type apiError = httpjson.ErrorBody

// raw sends body (a string, sent as is, or a value encoded as JSON; nil:
// none) and returns the status, the headers and the answer.
func raw(t *testing.T, method, url string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, data
}

// errorAnswer checks the shape of an error answer: JSON, with an error
// sentence and a code, no other field than the ErrorBody's, and rule equal
// to code or absent.
func errorAnswer(t *testing.T, h http.Header, data []byte) apiError {
	t.Helper()
	require.Equal(t, "application/json", h.Get("Content-Type"), "%s", data)
	var e apiError
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&e), "%s", data)
	require.NotEmpty(t, e.Error, "%s", data)
	require.NotEmpty(t, e.Code, "%s", data)
	if e.Rule != "" {
		require.Equal(t, e.Code, e.Rule, "a rule's code is its rule")
	}
	return e
}

// deadURL is the address of a port nobody listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return u
}

// forgedBlock is a block on n's tip whose proof of work fails.
func forgedBlock(n *node.Node) *chain.Block {
	b := n.Template()
	for b.Header.Nonce = 0; b.Header.HasProofOfWork(); b.Header.Nonce++ {
	}
	return b
}

// fakePeer is an HTTP peer that answers every request with status and
// body, counting the requests.
func fakePeer(t *testing.T, status int, body string) (string, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, &hits
}

// invalidChainDump is n's chain with a forged block on top, as /chain
// would answer it.
func invalidChainDump(t *testing.T, n *node.Node) string {
	t.Helper()
	blocks := append(n.Chain().MainChain(), forgedBlock(n))
	data, err := json.Marshal(node.ChainResponse{Length: len(blocks), Chain: blocks})
	require.NoError(t, err)
	return string(data)
}

// Every error of the node API is {error, code}, and a broken rule adds
// rule; each request is refused with the status and code it promises
// (api.go), and changes nothing.
func TestAPIErrors(t *testing.T) {
	n := newTestNode(t, "a")
	other := newTestNode(t, "b")
	s := serve(t, n)
	recipient := chain.KeyAddress(chain.GenerateKey()).String()
	big := `{"author":"a","content":"` + strings.Repeat("x", httpjson.DefaultMaxBody) + `"}`
	dead := deadURL(t)
	var sixtyFive []string
	for i := range node.MaxHTTPPeers + 1 {
		sixtyFive = append(sixtyFive, fmt.Sprintf("http://10.0.0.1:%d", 1000+i))
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
		rule               bool
		field, allow       string
	}{
		{name: "unknown path", method: "GET", path: "/nothing", status: 404, code: httpjson.CodeNotFound},
		{name: "a tutorial path with a slash", method: "GET", path: "/chain/", status: 404, code: httpjson.CodeNotFound},
		{name: "wrong method", method: "POST", path: "/chain", status: 405, code: httpjson.CodeMethodNotAllowed, allow: "GET, HEAD"},
		{name: "GET of a POST", method: "GET", path: "/add_block", status: 405, code: httpjson.CodeMethodNotAllowed, allow: "POST"},
		{name: "wrong method, wildcard", method: "DELETE", path: "/blocks/00", status: 405, code: httpjson.CodeMethodNotAllowed, allow: "GET, HEAD"},
		{name: "empty body", method: "POST", path: "/transactions/new", status: 400, code: httpjson.CodeEmptyBody},
		{name: "not JSON", method: "POST", path: "/transactions/new", body: "recipient=x", status: 400, code: httpjson.CodeBadJSON},
		{name: "two objects", method: "POST", path: "/new_transaction", body: `{"author":"a","content":"b"}{}`, status: 400, code: httpjson.CodeBadJSON},
		{name: "unknown field", method: "POST", path: "/transactions/new", body: map[string]any{"recipient": recipient, "amount": 1, "colour": "red"},
			status: 400, code: httpjson.CodeUnknownField, field: "colour"},
		{name: "IBM's timestamp is ours to set", method: "POST", path: "/new_transaction", body: map[string]any{"author": "a", "content": "b", "timestamp": 1},
			status: 400, code: httpjson.CodeUnknownField, field: "timestamp"},
		{name: "negative amount", method: "POST", path: "/transactions/new", body: `{"recipient":"` + recipient + `","amount":-5}`,
			status: 400, code: httpjson.CodeWrongType, field: "amount"},
		{name: "too large", method: "POST", path: "/new_transaction", body: big, status: 413, code: httpjson.CodeBodyTooLarge},
		{name: "someone else's sender", method: "POST", path: "/transactions/new", body: map[string]any{"sender": other.Address().String(), "recipient": recipient, "amount": 1},
			status: 403, code: httpjson.CodeWrongSender, field: "sender"},
		{name: "bad recipient", method: "POST", path: "/transactions/new", body: map[string]any{"recipient": strings.Repeat("b", chain.MaxNameBytes+1), "amount": 1},
			status: 400, code: httpjson.CodeBadAddress, field: "recipient"},
		{name: "dvf's missing amount", method: "POST", path: "/transactions/new", body: map[string]any{"sender": n.Address().String(), "recipient": recipient},
			status: 400, code: httpjson.CodeMissingField, field: "amount"},
		{name: "dvf's missing recipient", method: "POST", path: "/transactions/new", body: map[string]any{"amount": 5},
			status: 400, code: httpjson.CodeMissingField, field: "recipient"},
		{name: "a named sender, not in tutorial mode", method: "POST", path: "/transactions/new", body: map[string]any{"sender": "alice", "recipient": "bob", "amount": 1},
			status: 403, code: httpjson.CodeWrongSender, field: "sender"},
		{name: "dvf's reward sender", method: "POST", path: "/transactions/new", body: map[string]any{"sender": "0", "recipient": "bob", "amount": 1},
			status: 403, code: httpjson.CodeWrongSender, field: "sender"},
		{name: "a sender that is no account", method: "POST", path: "/transactions/new", body: map[string]any{"sender": " ", "recipient": "bob", "amount": 1},
			status: 400, code: httpjson.CodeBadAddress, field: "sender"},
		{name: "no coins", method: "POST", path: "/transactions/new", body: map[string]any{"recipient": recipient, "amount": 1},
			status: 400, code: chain.ErrOverspend.Code(), rule: true},
		{name: "post without content", method: "POST", path: "/new_transaction", body: map[string]any{"author": "a"},
			status: 400, code: httpjson.CodeMissingField, field: "content"},
		{name: "post without author", method: "POST", path: "/new_transaction", body: map[string]any{"content": "a"},
			status: 400, code: httpjson.CodeMissingField, field: "author"},
		{name: "post too long even for a thread", method: "POST", path: "/new_transaction", body: map[string]any{"author": "a", "content": strings.Repeat("x", node.MaxPostBytes+1)},
			status: 400, code: chain.ErrTxTooBig.Code(), rule: true},
		{name: "a transaction that is not one", method: "POST", path: "/tx", body: `{"from":"zz"}`, status: 400, code: chain.ErrMalformed.Code(), rule: true},
		{name: "forged block", method: "POST", path: "/add_block", body: forgedBlock(n), status: 400, code: chain.ErrHighHash.Code(), rule: true},
		{name: "a block that is not one", method: "POST", path: "/add_block", body: `{"index":"one","merkle_root":"00"}`, status: 400, code: chain.ErrMalformed.Code(), rule: true},
		{name: "IBM's node's block", method: "POST", path: "/add_block", body: `{"index":1,"transactions":[{"author":"a","content":"b","timestamp":1.7e9}],"timestamp":1.7e9,"previous_hash":"00ab","nonce":5,"hash":"00cd"}`,
			status: 409, code: httpjson.CodeForeignChain},
		{name: "bad hash", method: "GET", path: "/blocks/xyz", status: 400, code: httpjson.CodeBadHash},
		{name: "unknown block", method: "GET", path: "/blocks/" + strings.Repeat("0", 64), status: 404, code: httpjson.CodeUnknownBlock},
		{name: "bad account", method: "GET", path: "/balance/" + strings.Repeat("x", chain.MaxNameBytes+1), status: 400, code: httpjson.CodeBadAddress},
		{name: "an account of only spaces", method: "GET", path: "/balance/%20", status: 400, code: httpjson.CodeBadAddress},
		{name: "65 nodes", method: "POST", path: "/nodes/register", body: map[string]any{"nodes": sixtyFive}, status: 400, code: httpjson.CodeTooManyPeers},
		{name: "chain view", method: "GET", path: "/chain?view=everything", status: 400, code: httpjson.CodeWrongType, field: "view"},
		{name: "no nodes", method: "POST", path: "/nodes/register", body: map[string]any{"nodes": []string{}}, status: 400, code: httpjson.CodeMissingField, field: "nodes"},
		{name: "bad node", method: "POST", path: "/nodes/register", body: map[string]any{"nodes": []string{dead, "ftp://x"}}, status: 400, code: httpjson.CodeBadPeerAddress},
		{name: "register_node without address", method: "POST", path: "/register_node", body: map[string]any{}, status: 400, code: httpjson.CodeMissingField, field: "node_address"},
		{name: "register_node as IBM's node does", method: "POST", path: "/register_node", body: map[string]any{"node_address": dead + "/"}, status: 409, code: httpjson.CodeForeignChain, field: "genesis"},
		{name: "register_node from another chain", method: "POST", path: "/register_node", body: map[string]any{"node_address": dead, "genesis": strings.Repeat("ab", 32)}, status: 409, code: httpjson.CodeForeignChain},
		{name: "register_node with a bad genesis", method: "POST", path: "/register_node", body: map[string]any{"node_address": dead, "genesis": "xyz"}, status: 400, code: httpjson.CodeBadHash, field: "genesis"},
		{name: "register_with itself", method: "POST", path: "/register_with", body: map[string]any{"node_address": s.URL}, status: 400, code: httpjson.CodeBadPeerAddress},
		{name: "register_with a bad address", method: "POST", path: "/register_with", body: map[string]any{"node_address": "ftp://x"}, status: 400, code: httpjson.CodeBadPeerAddress},
		{name: "register_with nobody", method: "POST", path: "/register_with", body: map[string]any{"node_address": dead}, status: 502, code: httpjson.CodePeerUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, data := raw(t, tc.method, s.URL+tc.path, tc.body)
			require.Equal(t, tc.status, status, "%s", data)
			e := errorAnswer(t, h, data)
			require.Equal(t, tc.code, e.Code, "%s", data)
			require.Equal(t, tc.rule, e.Rule != "", "rule: %s", data)
			require.Equal(t, tc.field, e.Field)
			require.Equal(t, tc.allow, h.Get("Allow"))
		})
	}
	require.Zero(t, n.Chain().Tip().Height, "a refused request changed the chain")
	require.Zero(t, n.Mempool().Len(), "a refused request changed the mempool")
	require.Empty(t, n.HTTPPeers(), "a refused request registered a peer")
}

// Policy rules that a client may retry later have their own statuses:
// fee-0 transactions signed elsewhere (POST /tx) meet the rate limit, as
// a peer's would, with 429.
func TestAPIRuleStatuses(t *testing.T) {
	n := newTestNode(t, "a")
	s := serve(t, n)
	key := chain.GenerateKey()
	var e apiError
	for i := 0; ; i++ {
		tx := &chain.Tx{Seq: uint64(i), Time: 1, Memo: "post"}
		tx.Sign(n.Chain().ID(), key)
		status, h, data := raw(t, "POST", s.URL+"/tx", tx)
		if status == http.StatusCreated {
			require.Less(t, i, 100, "the free-transaction limit never hit")
			continue
		}
		require.Equal(t, http.StatusTooManyRequests, status, "%s", data)
		e = errorAnswer(t, h, data)
		break
	}
	require.Equal(t, chain.ErrRateLimited.Code(), e.Rule)
}

// failingMiner fails the way a bug or a broken device would.
type failingMiner struct{}

func (failingMiner) Solve(context.Context, chain.Header) (chain.Header, error) {
	return chain.Header{}, errors.New("miner: device /dev/gpu0 on fire")
}

// A 500 tells the client nothing but "internal"; the log gets the cause.
func TestAPIInternalErrorIsLoggedNotShown(t *testing.T) {
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	require.NoError(t, err)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: "a", Miner: failingMiner{}})
	require.NoError(t, err)
	var log bytes.Buffer
	ts := httptest.NewServer(n.API(node.APIConfig{Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	defer ts.Close()

	status, h, data := raw(t, "GET", ts.URL+"/mine", nil)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, apiError{Error: "internal error", Code: httpjson.CodeInternal}, errorAnswer(t, h, data))
	require.NotContains(t, string(data), "gpu0")
	require.Contains(t, log.String(), "/dev/gpu0 on fire")
	require.Contains(t, log.String(), "/mine")
}

// /add_block takes what a full block needs even when other bodies are
// bounded more tightly.
func TestAPIBodyLimits(t *testing.T) {
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	ts := httptest.NewServer(b.API(node.APIConfig{MaxBody: 512}))
	defer ts.Close()
	for range 3 {
		_, err := a.Post("alice", strings.Repeat("a long post ", 20))
		require.NoError(t, err)
	}
	blk, err := a.MineBlock(t.Context())
	require.NoError(t, err)
	body, err := json.Marshal(blk)
	require.NoError(t, err)
	require.Greater(t, len(body), 512)

	status, _, data := raw(t, "POST", ts.URL+"/add_block", string(body))
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, h, data := raw(t, "POST", ts.URL+"/new_transaction", map[string]any{"author": "a", "content": strings.Repeat("x", 600)})
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
	require.Equal(t, httpjson.CodeBodyTooLarge, errorAnswer(t, h, data).Code)
}

// node.MaxTxJSON holds the largest transaction, indented inside a block, with
// every character of its texts escaped.
func TestMaxTxJSON(t *testing.T) {
	tx := &chain.Tx{To: chain.KeyAddress(chain.GenerateKey()), Amount: chain.MaxSafeInteger / 2, Fee: chain.MaxSafeInteger / 2,
		Seq: chain.MaxSafeInteger, Time: chain.MaxSafeInteger, Name: strings.Repeat("<", chain.MaxNameBytes), Memo: strings.Repeat("\x01", chain.MaxMemoBytes)}
	tx.Sign(chain.GenesisBlock(chain.TestParams).Hash(), chain.GenerateKey())
	require.NoError(t, chain.CheckTxSanity(tx), "the largest valid transaction")
	data, err := json.MarshalIndent(map[string]any{"transactions": []any{tx}}, "      ", "      ")
	require.NoError(t, err)
	require.Less(t, len(data), node.MaxTxJSON)
}

// The tutorials' clients read these fields: they must all be there.
func TestAPITutorialFieldNames(t *testing.T) {
	n1, n2 := newTestNode(t, "node1"), newTestNode(t, "node2")
	s1, s2 := serve(t, n1), serve(t, n2)
	keys := func(status int, data []byte) []string {
		t.Helper()
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &m), "%s", data)
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return ks
	}
	has := func(wantStatus int, method, url string, body any, fields ...string) {
		t.Helper()
		status, _, data := raw(t, method, url, body)
		require.Equal(t, wantStatus, status, "%s %s: %s", method, url, data)
		require.Subset(t, keys(status, data), fields, "%s %s", method, url)
	}
	has(200, "GET", s1.URL+"/mine", nil, "message", "index", "transactions", "proof", "previous_hash")
	has(200, "GET", s1.URL+"/chain", nil, "length", "chain", "peers")
	has(201, "POST", s1.URL+"/transactions/new", map[string]any{"sender": n1.Address().String(), "recipient": n2.Address().String(), "amount": 1}, "message")
	has(201, "POST", s1.URL+"/new_transaction", map[string]any{"author": "alice", "content": "hi"}, "message")
	has(201, "POST", s1.URL+"/nodes/register", map[string]any{"nodes": []string{s2.URL}}, "message", "total_nodes")
	has(200, "GET", s1.URL+"/nodes/resolve", nil, "message", "chain", "length")
	for range 2 {
		_, err := n2.MineBlock(t.Context())
		require.NoError(t, err)
	}
	has(200, "GET", s1.URL+"/nodes/resolve", nil, "message", "new_chain", "length")
	has(200, "POST", s2.URL+"/register_node", map[string]any{"node_address": s1.URL, "genesis": n1.Chain().ID().String()}, "length", "chain", "peers")
	has(200, "POST", s2.URL+"/register_with", map[string]any{"node_address": s1.URL}, "message")
}

// /nodes/resolve answers 502 only when peers were asked and not one
// answered with a chain; otherwise 200, listing each failed peer with its
// code, and a peer whose chain breaks a rule is listed with the rule.
func TestAPIResolveWithBadPeers(t *testing.T) {
	good := newTestNode(t, "good")
	for range 2 {
		_, err := good.MineBlock(t.Context())
		require.NoError(t, err)
	}
	goodURL := serve(t, good).URL
	dead := deadURL(t)
	garbage, _ := fakePeer(t, http.StatusOK, "<html>not a node</html>")
	failing, _ := fakePeer(t, http.StatusInternalServerError, `{"error":"internal error","code":"internal"}`)
	invalid, _ := fakePeer(t, http.StatusOK, invalidChainDump(t, newTestNode(t, "forger")))
	other := serve(t, otherChainNode(t)).URL
	dvf, _ := fakePeer(t, http.StatusOK, `{"chain":[{"index":1,"previous_hash":1,"proof":100,"timestamp":1506280650.770839,"transactions":[]}],"length":1}`)

	for _, tc := range []struct {
		name     string
		peers    []string
		status   int
		code     string            // the 502's code
		errs     map[string]string // peer → code, for a 200
		replaced bool
	}{
		{name: "no peers", status: 200},
		{name: "unreachable", peers: []string{dead}, status: 502, code: httpjson.CodePeerUnreachable},
		{name: "not a node", peers: []string{garbage}, status: 502, code: httpjson.CodePeerBadAnswer},
		{name: "failing", peers: []string{failing}, status: 502, code: httpjson.CodePeerBadAnswer},
		{name: "unreachable and failing", peers: []string{failing, dead}, status: 502, code: httpjson.CodePeerUnreachable},
		{name: "invalid chain", peers: []string{invalid}, status: 200, errs: map[string]string{invalid: chain.ErrHighHash.Code()}},
		{name: "invalid chain and unreachable", peers: []string{invalid, dead}, status: 200,
			errs: map[string]string{invalid: chain.ErrHighHash.Code(), dead: httpjson.CodePeerUnreachable}},
		{name: "one good among the bad", peers: []string{dead, garbage, goodURL}, status: 200, replaced: true,
			errs: map[string]string{dead: httpjson.CodePeerUnreachable, garbage: httpjson.CodePeerBadAnswer}},
		{name: "another genesis", peers: []string{other}, status: 200, errs: map[string]string{other: httpjson.CodeForeignChain}},
		{name: "dvf's own node", peers: []string{dvf}, status: 200, errs: map[string]string{dvf: httpjson.CodeForeignChain}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, "n")
			s := serve(t, n)
			if len(tc.peers) > 0 {
				_, err := n.RegisterHTTPPeers(tc.peers)
				require.NoError(t, err)
			}
			status, h, data := raw(t, "GET", s.URL+"/nodes/resolve", nil)
			require.Equal(t, tc.status, status, "%s", data)
			if tc.status != 200 {
				e := errorAnswer(t, h, data)
				require.Equal(t, tc.code, e.Code)
				for _, p := range tc.peers {
					require.Contains(t, e.Error, p, "the sentence names every peer")
				}
				require.Zero(t, n.Chain().Tip().Height)
				return
			}
			var res node.ResolveResponse
			require.NoError(t, json.Unmarshal(data, &res))
			require.Len(t, res.Errors, len(tc.errs))
			for p, code := range tc.errs {
				p = node.PeerURL(p)
				require.Equal(t, code, res.Errors[p].Code, "%s: %+v", p, res.Errors[p])
				require.NotEmpty(t, res.Errors[p].Error)
			}
			if tc.replaced {
				require.Equal(t, "Our chain was replaced", res.Message)
				require.Len(t, res.NewChain, 3)
				require.Equal(t, good.Chain().Tip().Hash, n.Chain().Tip().Hash)
			} else {
				require.Equal(t, "Our chain is authoritative", res.Message)
				require.Len(t, res.Chain, 1)
				require.Zero(t, n.Chain().Tip().Height)
			}
		})
	}
}

// fakeNode is an HTTP peer that says it is on id's chain (GET /tip;
// with a zero id it answers /tip like the rest) and answers every other
// request with status and body, counting the requests to /register_node.
func fakeNode(t *testing.T, id chain.Hash, status int, body string) (string, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tip" && !id.IsZero() {
			fmt.Fprintf(w, `{"genesis":"%s"}`, id)
			return
		}
		if r.URL.Path == "/register_node" {
			hits.Add(1)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, &hits
}

// otherChainNode is a node of another genesis than newTestNode's.
func otherChainNode(t *testing.T) *node.Node {
	t.Helper()
	p := chain.TestParams
	p.Name = "another room"
	c, err := chain.New(chain.Config{Params: p})
	require.NoError(t, err)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: "other", Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	return n
}

// /register_with: a node that can't be asked is a 502, one that is not on
// this chain a 409 before it is told anything, a chain that breaks a rule
// a 400 with the rule, a full peer list a 400 before anyone is asked;
// none of them changes anything.
func TestAPIRegisterWithBadPeers(t *testing.T) {
	forger := newTestNode(t, "forger")
	id := forger.Chain().ID()
	dump := invalidChainDump(t, forger)
	var chainDump node.ChainResponse
	require.NoError(t, json.Unmarshal([]byte(dump), &chainDump))
	invalidBody, err := json.Marshal(node.RegisterNodeResponse{Length: chainDump.Length, Chain: chainDump.Chain, Peers: []string{}})
	require.NoError(t, err)
	invalid, _ := fakeNode(t, id, http.StatusOK, string(invalidBody))
	garbage, _ := fakeNode(t, id, http.StatusOK, "hello")
	refusing, _ := fakeNode(t, id, http.StatusBadRequest, `{"error":"no","code":"bad-peer-address"}`)
	notAChain, _ := fakeNode(t, id, http.StatusOK, `{"length":1,"chain":[{"index":"zero"}]}`)
	otherGenesis, otherHits := fakeNode(t, chain.HashBytes([]byte("another genesis")), http.StatusOK, "{}")
	tipless, tiplessHits := fakeNode(t, chain.Hash{}, http.StatusNotFound, "<!doctype html><title>404 Not Found</title>")
	noGenesis, noGenesisHits := fakeNode(t, chain.Hash{}, http.StatusOK, `{"length":1,"chain":[],"peers":[]}`)

	for _, tc := range []struct {
		name, peer string
		hits       *atomic.Int32 // the peer's /register_node requests, which must stay 0
		status     int
		code       string
		rule       bool
	}{
		{name: "unreachable", peer: deadURL(t), status: 502, code: httpjson.CodePeerUnreachable},
		{name: "not JSON", peer: garbage, status: 502, code: httpjson.CodePeerBadAnswer},
		{name: "refuses", peer: refusing, status: 502, code: httpjson.CodePeerBadAnswer},
		{name: "invalid chain", peer: invalid, status: 400, code: chain.ErrHighHash.Code(), rule: true},
		{name: "malformed block", peer: notAChain, status: 400, code: chain.ErrMalformed.Code(), rule: true},
		{name: "another genesis", peer: otherGenesis, hits: otherHits, status: 409, code: httpjson.CodeForeignChain},
		{name: "a tutorial's own node (no /tip)", peer: tipless, hits: tiplessHits, status: 409, code: httpjson.CodeForeignChain},
		{name: "a /tip without genesis", peer: noGenesis, hits: noGenesisHits, status: 409, code: httpjson.CodeForeignChain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, "n")
			s := serve(t, n)
			status, h, data := raw(t, "POST", s.URL+"/register_with", map[string]any{"node_address": tc.peer})
			require.Equal(t, tc.status, status, "%s", data)
			e := errorAnswer(t, h, data)
			require.Equal(t, tc.code, e.Code, "%s", data)
			require.Equal(t, tc.rule, e.Rule != "")
			require.Zero(t, n.Chain().Tip().Height)
			require.Empty(t, n.HTTPPeers())
			if tc.hits != nil {
				require.Zero(t, tc.hits.Load(), "a node not on this chain was told about this one")
			}
		})
	}

	t.Run("full", func(t *testing.T) {
		n := newTestNode(t, "n")
		s := serve(t, n)
		var peers []string
		for i := range node.MaxHTTPPeers {
			peers = append(peers, fmt.Sprintf("http://10.0.0.1:%d", 1000+i))
		}
		_, err := n.RegisterHTTPPeers(peers)
		require.NoError(t, err)
		peer, hits := fakePeer(t, http.StatusOK, "{}")
		status, h, data := raw(t, "POST", s.URL+"/register_with", map[string]any{"node_address": peer})
		require.Equal(t, http.StatusBadRequest, status, "%s", data)
		require.Equal(t, httpjson.CodeTooManyPeers, errorAnswer(t, h, data).Code)
		require.Zero(t, hits.Load(), "nobody was asked")

		status, h, data = raw(t, "POST", s.URL+"/nodes/register", map[string]any{"nodes": []string{peer}})
		require.Equal(t, http.StatusBadRequest, status, "%s", data)
		require.Equal(t, httpjson.CodeTooManyPeers, errorAnswer(t, h, data).Code)
		require.Len(t, n.HTTPPeers(), node.MaxHTTPPeers)
	})
}

// A node's peer list from /register_node is a hint: what does not fit is
// dropped, and registration still succeeds.
func TestRegisterWithKeepsThePeerListBounded(t *testing.T) {
	src := newTestNode(t, "src")
	srcURL := serve(t, src).URL
	var many []string
	for i := range 2 * node.MaxHTTPPeers {
		many = append(many, fmt.Sprintf("http://10.0.1.1:%d", 1000+i))
	}
	_, err := src.RegisterHTTPPeers(many[:node.MaxHTTPPeers-1])
	require.NoError(t, err)

	n := newTestNode(t, "n")
	s := serve(t, n)
	_, err = n.RegisterHTTPPeers([]string{"http://10.0.2.1:80"}) // with src's 64, one too many
	require.NoError(t, err)
	var res node.RegisterWithResponse
	status := call(t, "POST", s.URL+"/register_with", map[string]any{"node_address": srcURL}, &res)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, []string{"http://10.0.2.1:80/", srcURL + "/"}, res.Peers[:2], "the node registered with comes before its list")
	require.Len(t, res.Peers, node.MaxHTTPPeers, "as many as fit")
}
