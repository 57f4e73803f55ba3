package node_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
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

// tutorialNode is a node in a tutorial mode whose wallet is the named
// account of its name, as cmd/node -tutorial makes it, and its API.
func tutorialNode(t *testing.T, mode node.Tutorial, name string) (*node.Node, *httptest.Server) {
	t.Helper()
	n := nodetest.NewNode(t, node.Config{Name: name, Key: chain.NameKey(name)})
	ts := httptest.NewServer(n.API(node.APIConfig{Tutorial: mode}))
	t.Cleanup(func() { n.WaitAnnounced(); ts.Close() })
	return n, ts
}

// dvfTransfer is the article's curl body, verbatim.
const dvfTransfer = `{ "sender": "d4ee26eee15148ee92c6cd394edd974e", "recipient": "someone-other-address", "amount": 5}`

// In dvf's tutorial mode the article's transfer is signed for its named
// sender — the node, whose identifier it is — and lands in the next
// block; the recipient is a named account whose balance anyone can read.
func TestDvfTutorialSignsForNamedSenders(t *testing.T) {
	const id = "d4ee26eee15148ee92c6cd394edd974e"
	n, s := tutorialNode(t, node.TutorialDvf, id)
	require.Equal(t, chain.NameAddress(id), n.Address())

	var mined node.MineResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/mine", nil, &mined))
	require.Equal(t, "New Block Forged", mined.Message)
	require.Contains(t, mined.Note, "dvf's tutorial pays 1")

	status, _, data := raw(t, "POST", s.URL+"/transactions/new", dvfTransfer)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	var created node.TxResponse
	require.NoError(t, json.Unmarshal(data, &created))
	require.Equal(t, "Transaction will be added to Block 2", created.Message)
	require.Equal(t, map[string]chain.Address{id: chain.NameAddress(id), "someone-other-address": chain.NameAddress("someone-other-address")}, created.Accounts)
	require.Contains(t, created.Note, "Chainplay signs every transaction")
	require.Equal(t, chain.NameAddress(id), created.Tx.Sender())
	require.Equal(t, chain.NameAddress("someone-other-address"), created.Tx.To)
	require.True(t, created.Tx.VerifySignature(n.Chain().ID()))

	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/mine", nil, &mined))
	require.Len(t, mined.Transactions, 2, "the coinbase and the transfer")
	var bal node.BalanceResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/balance/someone-other-address", nil, &bal))
	require.Equal(t, node.BalanceResponse{Address: chain.NameAddress("someone-other-address"), Name: "someone-other-address", Balance: 5, Height: 2}, bal)
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/balance/"+id, nil, &bal))
	require.Equal(t, uint64(95), bal.Balance)

	// Any named sender is signed for; one without coins is told where the rewards go.
	var e apiError
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s.URL+"/transactions/new", map[string]any{"sender": "carol", "recipient": "dave", "amount": 1}, &e))
	require.Equal(t, chain.ErrOverspend.Code(), e.Rule)
	require.Contains(t, e.Error, id)
	// A sender given by an address the node holds no key for is refused even here.
	other := chain.KeyAddress(chain.GenerateKey()).String()
	require.Equal(t, http.StatusForbidden, call(t, "POST", s.URL+"/transactions/new", map[string]any{"sender": other, "recipient": "dave", "amount": 1}, &e))
	require.Equal(t, httpjson.CodeWrongSender, e.Code)
}

// Without the tutorial mode the article's transfer is refused with a
// sentence about signatures, and nothing changes.
func TestNamedSenderNeedsTheTutorialMode(t *testing.T) {
	n := nodetest.NewNode(t, node.Config{Name: "d4ee26eee15148ee92c6cd394edd974e"})
	s := serve(t, n)
	_, err := n.MineBlock(t.Context())
	require.NoError(t, err)
	status, h, data := raw(t, "POST", s.URL+"/transactions/new", dvfTransfer)
	require.Equal(t, http.StatusForbidden, status, "%s", data)
	e := errorAnswer(t, h, data)
	require.Equal(t, httpjson.CodeWrongSender, e.Code)
	require.Contains(t, e.Error, "signed")
	require.Contains(t, e.Error, "-tutorial")
	require.Zero(t, n.Mempool().Len())

	// A named recipient is fine in every mode.
	var created node.TxResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s.URL+"/transactions/new", map[string]any{"recipient": "someone-other-address", "amount": 5}, &created))
	require.Equal(t, chain.NameAddress("someone-other-address"), created.Tx.To)
}

// In IBM's tutorial mode GET /mine mines only posts, as the tutorial's
// node does, and GET /chain shows only posts: no coinbase, no genesis
// parameters; the blocks view and the posts view's tx_ids still let
// anyone check every block.
func TestIBMTutorialMineAndPostsView(t *testing.T) {
	n, s := tutorialNode(t, node.TutorialIBM, "node-8000")
	var nothing node.NothingToMineResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/mine", nil, &nothing))
	require.Equal(t, "No transactions to mine", nothing.Message)
	require.Zero(t, n.Chain().Tip().Height, "nothing was mined")

	for _, c := range []string{"first", "second"} {
		var created node.TxResponse
		require.Equal(t, http.StatusCreated, call(t, "POST", s.URL+"/new_transaction", map[string]any{"author": "ada", "content": c}, &created))
		require.Equal(t, "Success", created.Message)
	}
	var mined node.MineResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/mine", nil, &mined))
	require.Equal(t, "Block #1 is mined.", mined.Message)
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/mine", nil, &nothing))
	require.Equal(t, "No transactions to mine", nothing.Message)

	var posts node.PostsChainResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/chain", nil, &posts))
	require.Equal(t, 2, posts.Length)
	require.Empty(t, posts.Chain[0].Transactions, "the genesis block has no posts")
	require.NotNil(t, posts.Chain[0].Coinbase, "its parameters are beside them")
	require.Len(t, posts.Chain[1].Transactions, 2)
	for i, c := range []string{"first", "second"} {
		require.Equal(t, "ada", posts.Chain[1].Transactions[i].Author)
		require.Equal(t, c, posts.Chain[1].Transactions[i].Content)
	}
	for i, b := range n.Chain().MainChain() {
		require.Equal(t, b.Hash(), posts.Chain[i].Hash)
		require.Equal(t, b.Header.MerkleRoot, chain.MerkleRoot(posts.Chain[i].TxIDs), "block %d", i)
		require.Equal(t, b.Txs[0].ID(), posts.Chain[i].Coinbase.ID)
	}

	var blocks node.ChainResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/chain?view=blocks", nil, &blocks))
	require.Len(t, blocks.Chain[1].Txs, 3)
	// The posts view is there in every mode.
	plain := newTestNode(t, "plain")
	require.Equal(t, http.StatusOK, call(t, "GET", serve(t, plain).URL+"/chain?view=posts", nil, &posts))
	require.Empty(t, posts.Chain[0].Transactions)
}

// The IBM app's user posts as fast as they type: 20 posts in a burst all
// land in the mempool and in the next block (the free-transaction rate
// limit is for peers' transactions, not the node's own user's).
func TestTwentyPostsInABurst(t *testing.T) {
	n := newTestNode(t, "node")
	s := serve(t, n)
	for i := range 20 {
		var created node.TxResponse
		status := call(t, "POST", s.URL+"/new_transaction", map[string]any{"author": "ada", "content": fmt.Sprintf("post %d", i)}, &created)
		require.Equal(t, http.StatusCreated, status, "post %d", i)
	}
	var mined node.MineResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/mine", nil, &mined))
	require.Len(t, mined.Transactions, 21)
	require.Zero(t, n.Mempool().Len())
}

// Twenty posts sent at once from as many goroutines never race for a seq.
func TestConcurrentPostsTakeDistinctSeqs(t *testing.T) {
	n := newTestNode(t, "node")
	s := serve(t, n)
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Go(func() {
			codes[i] = call(t, "POST", s.URL+"/new_transaction", map[string]any{"author": "ada", "content": fmt.Sprintf("post %d", i)}, nil)
		})
	}
	wg.Wait()
	for i, c := range codes {
		require.Equal(t, http.StatusCreated, c, "post %d", i)
	}
	require.Equal(t, 20, n.Mempool().Len())
}

// A post longer than a memo becomes a thread of posts with one time, in
// order; an author longer than a name is cut at a character.
func TestLongPostBecomesAThread(t *testing.T) {
	n := newTestNode(t, "node")
	s := serve(t, n)
	content := strings.Repeat("区块链是一串用哈希连起来的区块。", 13) // 13 × 16 characters × 3 bytes = 624 bytes
	author := "张三李四王五赵六钱七孙"                           // 33 bytes
	var created node.TxResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s.URL+"/new_transaction", map[string]any{"author": author, "content": content}, &created))
	require.Len(t, created.Thread, 3)
	require.Contains(t, created.Note, "thread of 3 posts")
	require.Contains(t, created.Note, "was cut")
	var joined strings.Builder
	for i, tx := range created.Thread {
		require.LessOrEqual(t, len(tx.Memo), chain.MaxMemoBytes)
		require.True(t, utf8.ValidString(tx.Memo))
		require.Equal(t, created.Thread[0].Time, tx.Time, "part %d", i)
		require.Equal(t, "张三李四王五赵六钱…", tx.Name)
		joined.WriteString(tx.Memo)
	}
	require.Equal(t, content, joined.String())
	_, err := n.MineBlock(t.Context())
	require.NoError(t, err)
	posts := n.Posts(0)
	require.Len(t, posts, 3)
	for i, p := range posts {
		require.Equal(t, created.Thread[i].ID(), p.Tx.ID(), "the thread reads top down")
	}
}

func TestSplitPostAndCutName(t *testing.T) {
	require.Equal(t, []string{"short"}, node.SplitPost("short"))
	require.Equal(t, []string{""}, node.SplitPost(""))
	exact := strings.Repeat("x", chain.MaxMemoBytes)
	require.Equal(t, []string{exact}, node.SplitPost(exact))
	words := strings.Repeat("word ", 100) // 500 bytes
	parts := node.SplitPost(words)
	require.Len(t, parts, 2)
	require.True(t, strings.HasSuffix(parts[0], " "), "a part ends after a space near its end")
	require.Equal(t, words, strings.Join(parts, ""))
	emoji := strings.Repeat("🙂", 100) // 4 bytes each: 280 is a rune boundary, 281 is not
	for _, p := range node.SplitPost("x" + emoji) {
		require.True(t, utf8.ValidString(p))
		require.LessOrEqual(t, len(p), chain.MaxMemoBytes)
	}

	require.Equal(t, "ada", node.CutName("ada"))
	fits := strings.Repeat("n", chain.MaxNameBytes)
	require.Equal(t, fits, node.CutName(fits))
	require.Equal(t, strings.Repeat("n", chain.MaxNameBytes-3)+"…", node.CutName(fits+"n"))
	cut := node.CutName("张三李四王五赵六钱七孙")
	require.Equal(t, "张三李四王五赵六钱…", cut)
	require.LessOrEqual(t, len(cut), chain.MaxNameBytes)
}

// Node.Posts is what a posts feed shows: posts only (no coinbase, no
// genesis parameters, no transfers), the newest block first.
func TestPostsFeed(t *testing.T) {
	n := newTestNode(t, "node")
	require.Empty(t, n.Posts(10), "the genesis block's parameters are no post")
	_, err := n.MineBlock(t.Context())
	require.NoError(t, err)
	_, err = n.Post("ada", "one")
	require.NoError(t, err)
	_, err = n.Send(chain.NameAddress("bob"), 5, 0, "a transfer with a memo")
	require.NoError(t, err)
	_, err = n.MineBlock(t.Context())
	require.NoError(t, err)
	_, err = n.Post("grace", "two")
	require.NoError(t, err)
	_, err = n.Post("grace", "three")
	require.NoError(t, err)
	_, err = n.MineBlock(t.Context())
	require.NoError(t, err)

	var got []string
	for _, p := range n.Posts(0) {
		got = append(got, fmt.Sprintf("#%d %s: %s", p.Height, p.Tx.Name, p.Tx.Memo))
		b, ok := n.Chain().BlockByHash(p.Block)
		require.True(t, ok)
		require.Equal(t, p.Height, b.Height())
	}
	require.Equal(t, []string{"#3 grace: two", "#3 grace: three", "#2 ada: one"}, got)
	require.Len(t, n.Posts(2), 2)
}

// A fresh node's peer lists are empty lists, not null.
func TestFreshPeersAreEmptyLists(t *testing.T) {
	s := serve(t, newTestNode(t, "node"))
	status, _, data := raw(t, "GET", s.URL+"/peers", nil)
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"room": [], "nodes": []}`, string(data))
	status, _, data = raw(t, "GET", s.URL+"/chain", nil)
	require.Equal(t, http.StatusOK, status)
	var dump map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &dump))
	require.JSONEq(t, `[]`, string(dump["peers"]))
}

// Registering more nodes than a node keeps, in one request or past the
// ones registered, stores none of them.
func TestRegisterTooManyStoresNothing(t *testing.T) {
	n := newTestNode(t, "node")
	s := serve(t, n)
	var nodes []string
	for i := range node.MaxHTTPPeers + 1 {
		nodes = append(nodes, fmt.Sprintf("http://10.0.0.1:%d", 1000+i))
	}
	var e apiError
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s.URL+"/nodes/register", map[string]any{"nodes": nodes}, &e))
	require.Equal(t, httpjson.CodeTooManyPeers, e.Code)
	require.Empty(t, n.HTTPPeers())

	var reg node.NodesRegisterResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s.URL+"/nodes/register", map[string]any{"nodes": nodes[:3]}, &reg))
	require.Equal(t, http.StatusBadRequest, call(t, "POST", s.URL+"/nodes/register", map[string]any{"nodes": nodes[3:]}, &e))
	require.Len(t, n.HTTPPeers(), 3)
	require.Equal(t, http.StatusCreated, call(t, "POST", s.URL+"/nodes/register", map[string]any{"nodes": nodes[:node.MaxHTTPPeers]}, &reg),
		"the ones known already count once")
	require.Len(t, reg.TotalNodes, node.MaxHTTPPeers)
}

// A node sends its blocks only to peers on its chain: a peer registered
// without a handshake is asked for GET /tip first, and one that has none
// (a tutorial's own Flask node, which answers a foreign block with a 500)
// is never sent a block.
func TestBlocksGoOnlyToPeersOnThisChain(t *testing.T) {
	var mu sync.Mutex
	var flaskHits []string
	flask := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		flaskHits = append(flaskHits, r.Method+" "+r.URL.Path)
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer flask.Close()
	n1, n2 := newTestNode(t, "n1"), newTestNode(t, "n2")
	s1, s2 := serve(t, n1), serve(t, n2)
	var reg node.NodesRegisterResponse
	require.Equal(t, http.StatusCreated, call(t, "POST", s1.URL+"/nodes/register", map[string]any{"nodes": []string{flask.URL, s2.URL}}, &reg))

	for range 2 {
		var mined node.MineResponse
		require.Equal(t, http.StatusOK, call(t, "GET", s1.URL+"/mine", nil, &mined))
		n1.WaitAnnounced()
		require.Equal(t, mined.Hash, n2.Chain().Tip().Hash, "the Chainplay peer got the block")
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"GET /tip"}, flaskHits, "asked once whether it is on this chain, then left alone")
}

// A peer whose chain /nodes/resolve found to be foreign is not even asked
// for its /tip when a block is announced.
func TestResolveMarksForeignPeers(t *testing.T) {
	var mu sync.Mutex
	var hits []string
	dvf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/chain" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"chain":[{"index":1,"previous_hash":1,"proof":100,"timestamp":1506280650.770839,"transactions":[]}],"length":1}`)
	}))
	defer dvf.Close()
	n := newTestNode(t, "n")
	s := serve(t, n)
	_, err := n.RegisterHTTPPeers([]string{dvf.URL})
	require.NoError(t, err)
	var res node.ResolveResponse
	require.Equal(t, http.StatusOK, call(t, "GET", s.URL+"/nodes/resolve", nil, &res))
	require.Equal(t, httpjson.CodeForeignChain, res.Errors[dvf.URL+"/"].Code)
	_, err = n.MineBlock(t.Context())
	require.NoError(t, err)
	n.WaitAnnounced()
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"GET /chain"}, hits)
}
