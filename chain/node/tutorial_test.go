package node_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// call sends a JSON request to a test server and decodes the answer.
func call(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "%s %s: %s", method, url, data)
	}
	return res.StatusCode
}

func serve(t *testing.T, n *node.Node) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(n.Handler())
	t.Cleanup(func() { n.WaitAnnounced(); ts.Close() })
	return ts
}

// TestDvfWalkthrough replays "Learn Blockchains by Building One" over
// HTTP: a transfer, mining on a second node, registering it, and the
// consensus call that replaces the first node's chain by the one with
// the most work.
func TestDvfWalkthrough(t *testing.T) {
	n1, n2 := newTestNode(t, "node1"), newTestNode(t, "node2")
	s1, s2 := serve(t, n1), serve(t, n2)

	// The first node needs coins before it can send any: mine once.
	var mined node.MineResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/mine", nil, &mined))
	require.Equal(t, "New Block Forged", mined.Message)
	require.Equal(t, uint64(1), mined.Index)

	recipient := chain.KeyAddress(chain.GenerateKey()).String()
	var created node.TxResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s1.URL+"/transactions/new",
		map[string]any{"sender": n1.Address().String(), "recipient": recipient, "amount": 5}, &created))
	require.Equal(t, "Transaction will be added to Block 2", created.Message)
	require.Equal(t, created.ID, created.Tx.ID())

	var e apiError
	require.Equal(t, http.StatusForbidden, call(t, "POST", s1.URL+"/transactions/new",
		map[string]any{"sender": n2.Address().String(), "recipient": recipient, "amount": 5}, &e), "signing for someone else")
	require.Equal(t, httpjson.CodeWrongSender, e.Code)
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s2.URL+"/transactions/new",
		map[string]any{"recipient": recipient, "amount": 5}, &e), "a node without coins")
	require.Equal(t, chain.ErrOverspend.Code(), e.Rule)
	require.Equal(t, chain.ErrOverspend.Code(), e.Code)

	for range 2 {
		require.Equal(t, http.StatusOK, call(t, "GET", s2.URL+"/mine", nil, &mined))
	}
	var reg node.NodesRegisterResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s1.URL+"/nodes/register", map[string]any{"nodes": []string{s2.URL}}, &reg))
	require.Equal(t, node.NodesRegisterResponse{Message: "New nodes have been added", TotalNodes: []string{s2.URL + "/"}}, reg)
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s1.URL+"/nodes/register", map[string]any{"nodes": []string{}}, &e))
	require.Equal(t, httpjson.CodeMissingField, e.Code)

	var resolved struct {
		Message  string         `json:"message"`
		NewChain []*chain.Block `json:"new_chain"`
	}
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/nodes/resolve", nil, &resolved))
	require.Equal(t, "Our chain was replaced", resolved.Message)
	require.Len(t, resolved.NewChain, 3)
	require.Equal(t, n2.Chain().Tip().Hash, n1.Chain().Tip().Hash)
	require.Equal(t, uint64(0), n1.Chain().Balance(n1.Address()).Balance, "the first node's block left the best chain")
	require.Zero(t, n1.Mempool().Len(), "its transfer is no longer affordable and left the mempool")

	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/nodes/resolve", nil, &resolved))
	require.Equal(t, "Our chain is authoritative", resolved.Message)
}

// TestIBMWalkthrough replays IBM's "develop a blockchain application from
// scratch": a post, mining it, reading it back, a second node registering
// with the first, and blocks announced through /add_block.
func TestIBMWalkthrough(t *testing.T) {
	n1, n2 := newTestNode(t, "node1"), newTestNode(t, "node2")
	s1, s2 := serve(t, n1), serve(t, n2)

	var created node.TxResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s1.URL+"/new_transaction",
		map[string]any{"author": "alice", "content": "Hello, blockchain!"}, &created))
	require.Equal(t, "Success", created.Message)
	var e httpjson.ErrorBody
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s1.URL+"/new_transaction", map[string]any{"author": "alice"}, &e))
	require.Equal(t, apiError{Error: "Invalid transaction data: author and content are required", Code: httpjson.CodeMissingField, Field: "content"}, e)

	var pending []map[string]any
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/pending_tx", nil, &pending))
	require.Len(t, pending, 1)

	var mined node.MineResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/mine", nil, &mined))
	require.Len(t, mined.Transactions, 2, "coinbase + the post")
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/pending_tx", nil, &pending))
	require.Empty(t, pending)

	// The IBM web app reads chain[].transactions[].author, content, timestamp (seconds).
	var dump struct {
		Length int `json:"length"`
		Chain  []struct {
			Index        uint64 `json:"index"`
			PreviousHash string `json:"previous_hash"`
			Transactions []struct {
				Author    string  `json:"author"`
				Content   string  `json:"content"`
				Timestamp float64 `json:"timestamp"`
				Time      int64   `json:"time"`
			} `json:"transactions"`
		} `json:"chain"`
	}
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/chain", nil, &dump))
	require.Equal(t, 2, dump.Length)
	post := dump.Chain[1].Transactions[1]
	require.Equal(t, "alice", post.Author)
	require.Equal(t, "Hello, blockchain!", post.Content)
	require.InDelta(t, float64(post.Time)/1000, post.Timestamp, 0.001)

	// Node 2 registers with node 1 and copies its chain and peers.
	var reg node.RegisterWithResponse
	require.Equal(t, http.StatusOK, call(t, "POST", s2.URL+"/register_with", map[string]any{"node_address": s1.URL}, &reg))
	require.Equal(t, node.RegisterWithResponse{Message: "Registration successful", AddedBlocks: 1, Peers: []string{s1.URL + "/"}}, reg)
	require.Equal(t, n1.Chain().Tip().Hash, n2.Chain().Tip().Hash)
	require.Equal(t, []string{s1.URL + "/"}, n2.HTTPPeers())
	require.Len(t, n1.HTTPPeers(), 1, "node 1 remembers node 2")

	// A block mined on node 1 is announced to node 2's /add_block.
	require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/mine", nil, &mined))
	n1.WaitAnnounced()
	require.Equal(t, mined.Hash, n2.Chain().Tip().Hash)

	// /add_block accepts a valid block and refuses a forged one.
	valid := n2.Template()
	hdr, err := node.ThreadMiner{Threads: 1}.Solve(t.Context(), valid.Header)
	require.NoError(t, err)
	valid.Header = hdr
	forged := *valid
	forged.Header.Nonce++
	for forged.Header.HasProofOfWork() {
		forged.Header.Nonce++
	}
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s1.URL+"/add_block", &forged, &e))
	require.Equal(t, chain.ErrHighHash.Code(), e.Rule)
	var added node.AddBlockResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s1.URL+"/add_block", valid, &added))
	require.Equal(t, node.AddBlockResponse{Message: "Block added", Status: chain.StatusMainChain.String(), Hash: valid.Hash()}, added)
	require.Equal(t, valid.Hash(), n1.Chain().Tip().Hash)
	added = node.AddBlockResponse{}
	require.Equal(t, http.StatusOK, call(t, "POST", s1.URL+"/add_block", valid, &added), "a known block is no error")
	require.Equal(t, node.AddBlockResponse{Message: "Block already known", Hash: valid.Hash()}, added)
}
