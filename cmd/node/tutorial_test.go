//go:build !js

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// The tutorials' requests, replayed against cmd/node started as the
// README says (only the ports differ), over real HTTP, each answer
// checked against what the text says its reader sees.

// send makes one request as curl or Python's requests would (a JSON body
// with its Content-Type; body "" sends none) and returns the status and
// the answer.
func send(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	var res *http.Response
	require.Eventually(t, func() bool { // the node may still be starting
		res, err = http.DefaultClient.Do(req)
		if err != nil && body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, data
}

// object decodes a JSON object answer into a map.
func object(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m), "%s", data)
	return m
}

// The dvf article's walkthrough, verbatim: its curl bodies, in its order
// (the Chinese translation makes the same requests). The README starts
// the first node with the article's node identifier as its name, so the
// article's sender is the node that mined.
func TestDvfWalkthroughVerbatim(t *testing.T) {
	a1, a2 := freeAddr(t), freeAddr(t)
	start(t, "-tutorial", "dvf", "-name", "d4ee26eee15148ee92c6cd394edd974e", "-http", a1, "-threads", "1")
	start(t, "-tutorial", "dvf", "-http", a2, "-threads", "1")
	n1, n2 := "http://"+a1, "http://"+a2

	// "Let's try mining a block by making a GET request to /mine".
	status, data := send(t, "GET", n1+"/mine", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	mined := object(t, data)
	require.Equal(t, "New Block Forged", mined["message"])
	require.EqualValues(t, 1, mined["index"], "Chainplay's genesis is block 0 (dvf's is 1)")
	require.Contains(t, mined, "proof")
	require.Contains(t, mined, "previous_hash")
	reward := mined["transactions"].([]any)[0].(map[string]any)
	require.Equal(t, "0", reward["sender"], "a reward comes from \"0\"")
	require.Equal(t, chain.NameAddress("d4ee26eee15148ee92c6cd394edd974e").String(), reward["recipient"])
	require.EqualValues(t, 50, reward["amount"], "DESIGN.md's reward (dvf's is 1)")

	// "Let's create a new transaction": the curl command's body.
	status, data = send(t, "POST", n1+"/transactions/new", `{ "sender": "d4ee26eee15148ee92c6cd394edd974e", "recipient": "someone-other-address", "amount": 5}`)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	created := object(t, data)
	require.Equal(t, "Transaction will be added to Block 2", created["message"])
	require.Contains(t, created["note"], "signs every transaction")

	// dvf's own check: a transaction without all its values.
	status, data = send(t, "POST", n1+"/transactions/new", `{ "sender": "d4ee26eee15148ee92c6cd394edd974e", "recipient": "someone-other-address"}`)
	require.Equal(t, http.StatusBadRequest, status, "%s", data)
	require.True(t, strings.HasPrefix(object(t, data)["error"].(string), "Missing values"), "%s", data)

	// "… mined two blocks, to give 3 in total. Let's inspect the full chain".
	status, data = send(t, "GET", n1+"/mine", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	status, data = send(t, "GET", n1+"/chain", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	var dump struct {
		Length int `json:"length"`
		Chain  []struct {
			Index        uint64  `json:"index"`
			PreviousHash string  `json:"previous_hash"`
			Hash         string  `json:"hash"`
			Timestamp    float64 `json:"timestamp"`
			Transactions []struct {
				Sender    string `json:"sender"`
				Recipient string `json:"recipient"`
				Amount    uint64 `json:"amount"`
			} `json:"transactions"`
		} `json:"chain"`
	}
	require.NoError(t, json.Unmarshal(data, &dump))
	require.Equal(t, 3, dump.Length)
	require.Len(t, dump.Chain, 3)
	for i, b := range dump.Chain {
		require.EqualValues(t, i, b.Index)
		require.Equal(t, "0", b.Transactions[0].Sender, "block %d starts with its reward", i)
		if i > 0 {
			require.Equal(t, dump.Chain[i-1].Hash, b.PreviousHash, "block %d links to its parent", i)
			require.InDelta(t, float64(time.Now().Unix()), b.Timestamp, 600, "timestamps are seconds")
		}
	}
	transfer := dump.Chain[2].Transactions[1]
	require.Equal(t, chain.NameAddress("d4ee26eee15148ee92c6cd394edd974e").String(), transfer.Sender)
	require.Equal(t, chain.NameAddress("someone-other-address").String(), transfer.Recipient)
	require.EqualValues(t, 5, transfer.Amount)
	status, data = send(t, "GET", n1+"/balance/someone-other-address", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	require.EqualValues(t, 5, object(t, data)["balance"])

	// Step 4: a second node, registered with the first.
	status, data = send(t, "POST", n1+"/nodes/register", fmt.Sprintf(`{"nodes": ["%s"]}`, n2))
	require.Equal(t, http.StatusCreated, status, "%s", data)
	reg := object(t, data)
	require.Equal(t, "New nodes have been added", reg["message"])
	require.Equal(t, []any{n2 + "/"}, reg["total_nodes"])

	// "I then mined some new Blocks on node 2, to ensure the chain was longer."
	for range 4 {
		status, data = send(t, "GET", n2+"/mine", "")
		require.Equal(t, http.StatusOK, status, "%s", data)
	}
	// "Afterward, I called GET /nodes/resolve on node 1, where the chain was replaced".
	status, data = send(t, "GET", n1+"/nodes/resolve", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	resolved := object(t, data)
	require.Equal(t, "Our chain was replaced", resolved["message"])
	require.Len(t, resolved["new_chain"], 5)
	status, data = send(t, "GET", n1+"/nodes/resolve", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	require.Equal(t, "Our chain is authoritative", object(t, data)["message"])
}

// ibmApp replays what the IBM tutorial's web app (app/views.py) sends to
// its node, CONNECTED_NODE_ADDRESS.
type ibmApp struct {
	t    *testing.T
	node string
}

// appPost is one post as fetch_posts() keeps it: the transaction's
// fields, plus index and hash from its block.
type appPost struct {
	Author    string  `json:"author"`
	Content   string  `json:"content"`
	Timestamp float64 `json:"timestamp"`
	Index     uint64  `json:"-"`
	Hash      string  `json:"-"`
}

// submit is submit_textarea(): the form's author and content, posted as
// JSON to /new_transaction; the app ignores the answer (it redirects to
// /), so the test checks it.
func (a ibmApp) submit(author, content string) {
	body, err := json.Marshal(map[string]string{"author": author, "content": content})
	require.NoError(a.t, err)
	status, data := send(a.t, "POST", a.node+"/new_transaction", string(body))
	require.Equal(a.t, http.StatusCreated, status, "%s", data)
	require.Equal(a.t, "Success", object(a.t, data)["message"])
}

// fetchPosts is fetch_posts(): GET /chain, every transaction of every
// block with the block's index and previous_hash, newest first by
// timestamp (Python's sort is stable, so is this one).
func (a ibmApp) fetchPosts() []appPost {
	status, data := send(a.t, "GET", a.node+"/chain", "")
	require.Equal(a.t, http.StatusOK, status, "%s", data)
	var dump struct {
		Chain []struct {
			Index        uint64    `json:"index"`
			PreviousHash string    `json:"previous_hash"`
			Transactions []appPost `json:"transactions"`
		} `json:"chain"`
	}
	require.NoError(a.t, json.Unmarshal(data, &dump), "%s", data)
	var posts []appPost
	for _, b := range dump.Chain {
		for _, tx := range b.Transactions {
			tx.Index, tx.Hash = b.Index, b.PreviousHash
			posts = append(posts, tx)
		}
	}
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].Timestamp > posts[j].Timestamp })
	for _, p := range posts { // index.html shows post.author[0] and readable_time(post.timestamp)
		require.NotEmpty(a.t, p.Author)
		require.InDelta(a.t, float64(time.Now().Unix()), p.Timestamp, 600, "a timestamp in seconds")
	}
	return posts
}

// mine is the page's "Request to mine" link: the browser opens /mine.
func (a ibmApp) mine() string {
	status, data := send(a.t, "GET", a.node+"/mine", "")
	require.Equal(a.t, http.StatusOK, status, "%s", data)
	return object(a.t, data)["message"].(string)
}

// contents lists the posts' contents, as the page shows them.
func contents(posts []appPost) []string {
	var out []string
	for _, p := range posts {
		out = append(out, p.Author+": "+p.Content)
	}
	return out
}

// The IBM tutorial's web app, replayed against a node started as the
// README says: its page lists only posts, a "Request to mine" with
// nothing pending mines nothing, twenty posts in a minute all land, and
// the README's second node registers with the first and follows it.
func TestIBMWebAppReplay(t *testing.T) {
	addr := freeAddr(t)
	start(t, "-tutorial", "ibm", "-http", addr, "-threads", "1")
	app := ibmApp{t: t, node: "http://" + addr}

	require.Empty(t, app.fetchPosts(), "a fresh chain shows no posts: not the genesis parameters")
	require.Equal(t, "No transactions to mine", app.mine())
	require.Empty(t, app.fetchPosts(), "and no empty coinbase post")

	app.submit("ada", "Hello, blockchain!")
	app.submit("张三李四王五赵六钱七孙", "一个作者名超过三十二个字节")
	require.Equal(t, "Block #1 is mined.", app.mine())
	require.Equal(t, "No transactions to mine", app.mine())
	posts := app.fetchPosts()
	require.ElementsMatch(t, []string{"ada: Hello, blockchain!", "张三李四王五赵六钱…: 一个作者名超过三十二个字节"}, contents(posts))
	for _, p := range posts {
		require.EqualValues(t, 1, p.Index)
	}

	// Twenty posts in a minute, one mine: all of them are on the page.
	for i := range 20 {
		app.submit("grace", fmt.Sprintf("post %d", i))
	}
	require.Equal(t, "Block #2 is mined.", app.mine())
	posts = app.fetchPosts()
	require.Len(t, posts, 22)
	got := contents(posts)
	for i := range 20 {
		require.Contains(t, got, fmt.Sprintf("grace: post %d", i))
	}

	// A post longer than 280 bytes is on the page whole, as a thread in order.
	long := strings.Repeat("A long post, longer than one memo holds. ", 10)
	app.submit("ada", long)
	require.Equal(t, "Block #3 is mined.", app.mine())
	posts = app.fetchPosts()
	var parts []string
	for _, p := range posts {
		if p.Index == 3 {
			parts = append(parts, p.Content)
		}
	}
	require.Greater(t, len(parts), 1)
	require.Equal(t, long, strings.Join(parts, ""))

	// The README: a second node registers with the first ("curl -X POST
	// http://127.0.0.1:8001/register_with -d '{"node_address":
	// "http://127.0.0.1:8000"}'") and syncs; a block mined on the first
	// reaches it.
	addr2 := freeAddr(t)
	start(t, "-tutorial", "ibm", "-http", addr2, "-threads", "1")
	second := ibmApp{t: t, node: "http://" + addr2}
	status, data := send(t, "POST", second.node+"/register_with", fmt.Sprintf(`{"node_address": "%s"}`, app.node))
	require.Equal(t, http.StatusOK, status, "%s", data)
	require.Equal(t, "Registration successful", object(t, data)["message"])
	require.Equal(t, contents(app.fetchPosts()), contents(second.fetchPosts()))
	app.submit("ada", "to every node")
	require.Equal(t, "Block #4 is mined.", app.mine())
	require.Eventually(t, func() bool { return len(second.fetchPosts()) == len(app.fetchPosts()) }, 10*time.Second, 20*time.Millisecond)
	var tips [2]node.TipResponse
	getJSON(t, app.node+"/tip", &tips[0])
	getJSON(t, second.node+"/tip", &tips[1])
	require.Equal(t, tips[0].Hash, tips[1].Hash)
}

// The peer lists' limits and errors, against cmd/node: 65 nodes are
// refused and none stored; /register_with to a node nobody runs is a 502
// naming the cause; a fresh node's peers are [], not null.
func TestPeerListLimitsAndErrors(t *testing.T) {
	addr := freeAddr(t)
	start(t, "-http", addr, "-threads", "1")
	base := "http://" + addr
	status, data := send(t, "GET", base+"/peers", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"room": [], "nodes": []}`, string(data))

	var nodes []string
	for i := range node.MaxHTTPPeers + 1 {
		nodes = append(nodes, fmt.Sprintf("http://10.0.0.1:%d", 1000+i))
	}
	body, err := json.Marshal(map[string]any{"nodes": nodes})
	require.NoError(t, err)
	status, data = send(t, "POST", base+"/nodes/register", string(body))
	require.Equal(t, http.StatusBadRequest, status, "%s", data)
	require.Equal(t, httpjson.CodeTooManyPeers, object(t, data)["code"])
	status, data = send(t, "GET", base+"/peers", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"room": [], "nodes": []}`, string(data), "nothing was stored")

	dead := "http://" + freeAddr(t)
	status, data = send(t, "POST", base+"/register_with", fmt.Sprintf(`{"node_address": "%s"}`, dead))
	require.Equal(t, http.StatusBadGateway, status, "%s", data)
	e := object(t, data)
	require.Equal(t, httpjson.CodePeerUnreachable, e["code"])
	require.Contains(t, e["error"], "connection refused")
}

// Chainplay and the tutorials' own Flask nodes refuse each other
// cleanly, both ways: each answers the other with a clear error, stores
// nothing of the other's, and the Flask node never answers a 500 because
// of Chainplay.
func TestFlaskNodesAndChainplayRefuseEachOther(t *testing.T) {
	addr := freeAddr(t)
	_, stop := start(t, "-tutorial", "ibm", "-http", addr, "-threads", "1")
	cp := "http://" + addr
	ibm, dvf := newIBMNode(t), newDvfNode(t)
	status, data := send(t, "POST", cp+"/new_transaction", `{"author": "ada", "content": "a longer chain than theirs"}`)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, data = send(t, "GET", cp+"/mine", "")
	require.Equal(t, http.StatusOK, status, "%s", data)

	// Chainplay registers with IBM's node: refused before IBM's node hears of it.
	status, data = send(t, "POST", cp+"/register_with", fmt.Sprintf(`{"node_address": "%s"}`, ibm.URL))
	require.Equal(t, http.StatusConflict, status, "%s", data)
	e := object(t, data)
	require.Equal(t, httpjson.CodeForeignChain, e["code"])
	require.Contains(t, e["error"], "can't mix")
	require.Empty(t, ibm.peerList(), "IBM's node was not told about Chainplay")

	// IBM's node registers with Chainplay: Chainplay refuses, IBM's node passes it on.
	status, data = send(t, "POST", ibm.URL+"/register_with", fmt.Sprintf(`{"node_address": "%s"}`, cp))
	require.Equal(t, http.StatusConflict, status, "%s", data)
	require.Equal(t, httpjson.CodeForeignChain, object(t, data)["code"])
	status, data = send(t, "GET", cp+"/peers", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"room": [], "nodes": []}`, string(data), "Chainplay stored nothing")

	// IBM's node goes on working.
	status, data = send(t, "POST", ibm.URL+"/new_transaction", `{"author": "bob", "content": "hi"}`)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, data = send(t, "GET", ibm.URL+"/mine", "")
	require.Equal(t, http.StatusOK, status, "%s", data)

	// Chainplay and dvf's node, registered both ways as dvf's article does.
	status, data = send(t, "POST", cp+"/nodes/register", fmt.Sprintf(`{"nodes": ["%s"]}`, dvf.URL))
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, data = send(t, "POST", dvf.URL+"/nodes/register", fmt.Sprintf(`{"nodes": ["%s"]}`, cp))
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, data = send(t, "GET", cp+"/nodes/resolve", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	var resolved node.ResolveResponse
	require.NoError(t, json.Unmarshal(data, &resolved))
	require.Equal(t, "Our chain is authoritative", resolved.Message)
	require.Equal(t, httpjson.CodeForeignChain, resolved.Errors[dvf.URL+"/"].Code, "%s", data)
	require.Contains(t, resolved.Errors[dvf.URL+"/"].Error, "no Chainplay block")
	status, data = send(t, "GET", dvf.URL+"/nodes/resolve", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	require.Equal(t, "Our chain is authoritative", object(t, data)["message"], "dvf's node refuses Chainplay's chain")
	// IBM's node registered the way dvf's article registers nodes: Chainplay
	// never posts it a block (IBM's /add_block answers any foreign block
	// with a 500), nor dvf's (it has no /add_block).
	status, data = send(t, "POST", cp+"/nodes/register", fmt.Sprintf(`{"nodes": ["%s"]}`, ibm.URL))
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, data = send(t, "POST", cp+"/new_transaction", `{"author": "ada", "content": "again"}`)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	status, data = send(t, "GET", cp+"/mine", "")
	require.Equal(t, http.StatusOK, status, "%s", data)
	stop() // waits for the blocks being posted to peers
	require.NotContains(t, ibm.requests(), "POST /add_block")
	require.Contains(t, ibm.requests(), "GET /tip", "asked whether it is on Chainplay's chain")
	require.NotContains(t, dvf.requests(), "POST /add_block")

	require.Empty(t, ibm.crashes(), "IBM's node answered a 500")
	require.Empty(t, dvf.crashes(), "dvf's node answered a 500")
}

// What Chainplay tells other nodes about itself and its peers carries
// Flask's trailing slash, so the IBM tutorial's '{}chain'.format(peer)
// and '{}add_block'.format(peer) give URLs that work.
func TestPeerURLsWorkWithIBMsFormat(t *testing.T) {
	a1, a2 := freeAddr(t), freeAddr(t)
	start(t, "-tutorial", "ibm", "-http", a1, "-threads", "1")
	start(t, "-tutorial", "ibm", "-http", a2, "-threads", "1")
	n1, n2 := "http://"+a1, "http://"+a2
	status, data := send(t, "POST", n2+"/register_with", fmt.Sprintf(`{"node_address": "%s"}`, n1))
	require.Equal(t, http.StatusOK, status, "%s", data)

	for _, n := range []string{n1, n2} {
		status, data := send(t, "GET", n+"/chain", "")
		require.Equal(t, http.StatusOK, status)
		var dump struct {
			Peers []string `json:"peers"`
		}
		require.NoError(t, json.Unmarshal(data, &dump))
		require.Len(t, dump.Peers, 1, "%s", data)
		peer := dump.Peers[0]
		require.True(t, strings.HasSuffix(peer, "/"), peer)
		require.NotEqual(t, trimSlash(n), trimSlash(peer))
		status, data = send(t, "GET", fmt.Sprintf("%schain", peer), "")
		require.Equal(t, http.StatusOK, status, "'{}chain'.format(%q): %s", peer, data)
	}
}
