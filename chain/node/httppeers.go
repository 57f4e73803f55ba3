package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// MaxHTTPPeers bounds the peers registered through /nodes/register.
const MaxHTTPPeers = 64

// maxChainDump bounds a peer's /chain answer.
const maxChainDump = 256 << 20

// httpPeers is the tutorials' peer list: base URLs of other nodes' REST
// APIs, reached over plain HTTP.
type httpPeers struct {
	client *http.Client

	mu    sync.Mutex
	peers []string // normalized base URLs, e.g. http://127.0.0.1:5001
	wg    sync.WaitGroup
}

func newHTTPPeers() *httpPeers {
	return &httpPeers{client: &http.Client{Timeout: 30 * time.Second}}
}

// NormalizePeerURL turns "host:port", "http://host:port" or
// "http://host:port/" into "http://host:port" (dvf's tutorial takes either
// form). It refuses anything else.
func NormalizePeerURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("node: peer address %q: want http://host:port", s)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/"), nil
}

// RegisterHTTPPeers adds peer base URLs; all must be valid or none is
// added. It returns the whole list.
func (n *Node) RegisterHTTPPeers(addrs []string) ([]string, error) {
	var add []string
	for _, a := range addrs {
		u, err := NormalizePeerURL(a)
		if err != nil {
			return nil, err
		}
		add = append(add, u)
	}
	p := n.http
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range add {
		if !slices.Contains(p.peers, u) {
			if len(p.peers) >= MaxHTTPPeers {
				return nil, fmt.Errorf("node: at most %d peers", MaxHTTPPeers)
			}
			p.peers = append(p.peers, u)
		}
	}
	return slices.Clone(p.peers), nil
}

// HTTPPeers returns the registered peer base URLs.
func (n *Node) HTTPPeers() []string {
	n.http.mu.Lock()
	defer n.http.mu.Unlock()
	return slices.Clone(n.http.peers)
}

// FetchChain downloads a peer's GET /chain and decodes its blocks.
func (n *Node) FetchChain(ctx context.Context, base string) ([]*chain.Block, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/chain", nil)
	if err != nil {
		return nil, err
	}
	res, err := n.http.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("node: fetch %s/chain: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("node: fetch %s/chain: %s", base, res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxChainDump))
	if err != nil {
		return nil, fmt.Errorf("node: fetch %s/chain: %w", base, err)
	}
	blocks, err := chain.ParseChainJSON(data)
	if err != nil {
		return nil, fmt.Errorf("node: chain of %s: %w", base, err)
	}
	return blocks, nil
}

// ResolveResult reports what /nodes/resolve did.
type ResolveResult struct {
	Replaced bool              // the best chain changed
	Errors   map[string]string // peers whose chain was refused or unreachable, and why
}

// Resolve is the tutorials' consensus: fetch every registered peer's
// chain and adopt the valid one with the most work. Each chain is fully
// validated; its blocks join the block tree and fork choice decides. In a
// room the same happens through the peers: each one that announced more
// work is asked for its blocks.
func (n *Node) Resolve(ctx context.Context) ResolveResult {
	before := n.chain.Tip().Hash
	res := ResolveResult{Errors: map[string]string{}}
	for _, base := range n.HTTPPeers() {
		blocks, err := n.FetchChain(ctx, base)
		if err == nil {
			err = n.importBlocks(blocks)
		}
		if err != nil {
			res.Errors[base] = err.Error()
		}
	}
	n.mu.Lock()
	var ahead []string
	tipWork := n.chain.Tip().Work
	for id, p := range n.peers {
		if p.work.Cmp(tipWork) > 0 {
			ahead = append(ahead, id)
		}
	}
	n.mu.Unlock()
	for _, id := range ahead {
		n.requestBlocks(id)
	}
	res.Replaced = n.chain.Tip().Hash != before
	return res
}

// importBlocks adds a whole chain (genesis first) to the block tree, all
// or nothing; the store gets the new blocks from the chain's event.
func (n *Node) importBlocks(blocks []*chain.Block) error {
	_, err := n.chain.ImportBlocks(blocks, n.cfg.Clock.Now())
	return err
}

// announce POSTs a block this node made to every HTTP peer's /add_block,
// as the IBM tutorial does after /mine. It does not wait; failures are
// reported as events by the caller's node.
func (p *httpPeers) announce(b *chain.Block) {
	p.mu.Lock()
	peers := slices.Clone(p.peers)
	p.mu.Unlock()
	if len(peers) == 0 {
		return
	}
	body, err := json.Marshal(b)
	if err != nil {
		return
	}
	for _, base := range peers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/add_block", bytes.NewReader(body))
			if err != nil {
				return
			}
			req.Header.Set("Content-Type", "application/json")
			if res, err := p.client.Do(req); err == nil {
				io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
				res.Body.Close()
			}
		}()
	}
}

// WaitAnnounced waits for the /add_block POSTs under way (tests, shutdown).
func (n *Node) WaitAnnounced() { n.http.wg.Wait() }

// registerNodeResponse is the answer of a peer's POST /register_node.
type registerNodeResponse struct {
	Length int               `json:"length"`
	Chain  []json.RawMessage `json:"chain"`
	Peers  []string          `json:"peers"`
}

// RegisterWith is IBM's /register_with: it tells the node at base that we
// are reachable at self, then adopts that node's chain (fully validated;
// fork choice decides) and its peers. It returns how many blocks were new.
func (n *Node) RegisterWith(ctx context.Context, base, self string) (int, error) {
	body, _ := json.Marshal(RegisterNodeRequest{NodeAddress: self})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/register_node", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := n.http.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("node: register with %s: %w", base, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxChainDump))
	if err != nil {
		return 0, fmt.Errorf("node: register with %s: %w", base, err)
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("node: register with %s: %s: %s", base, res.Status, bytes.TrimSpace(data))
	}
	var rr registerNodeResponse
	if err := json.Unmarshal(data, &rr); err != nil {
		return 0, fmt.Errorf("node: register with %s: %w", base, err)
	}
	dump, _ := json.Marshal(map[string]any{"length": rr.Length, "chain": rr.Chain})
	blocks, err := chain.ParseChainJSON(dump)
	if err != nil {
		return 0, fmt.Errorf("node: chain of %s: %w", base, err)
	}
	before := len(n.chain.MainChain())
	if err := n.importBlocks(blocks); err != nil {
		return 0, fmt.Errorf("node: chain of %s: %w", base, err)
	}
	peers := []string{base}
	for _, p := range rr.Peers {
		if u, err := NormalizePeerURL(p); err == nil && u != self {
			peers = append(peers, u)
		}
	}
	if _, err := n.RegisterHTTPPeers(peers); err != nil {
		return 0, err
	}
	return max(len(n.chain.MainChain())-before, 0), nil
}
