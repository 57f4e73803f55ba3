package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	client HTTPClient

	mu    sync.Mutex
	peers []string // normalized base URLs, e.g. http://127.0.0.1:5001
	wg    sync.WaitGroup
}

func newHTTPPeers(client HTTPClient) *httpPeers {
	return &httpPeers{client: client}
}

// NormalizePeerURL turns "host:port", "http://host:port" or
// "http://host:port/" into "http://host:port" (dvf's tutorial takes either
// form). It refuses anything else with ErrBadPeerAddress.
func NormalizePeerURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%w %q: want http://host:port", ErrBadPeerAddress, s)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/"), nil
}

// RegisterHTTPPeers adds peer base URLs; all must be valid
// (ErrBadPeerAddress) and fit in MaxHTTPPeers (ErrTooManyPeers), or none
// is added. It returns the whole list.
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
	peers := slices.Clone(p.peers)
	for _, u := range add {
		if !slices.Contains(peers, u) {
			if len(peers) >= MaxHTTPPeers {
				return nil, fmt.Errorf("%w: at most %d", ErrTooManyPeers, MaxHTTPPeers)
			}
			peers = append(peers, u)
		}
	}
	p.peers = peers
	return slices.Clone(peers), nil
}

// addHTTPPeers adds the normalized base URLs that fit in MaxHTTPPeers and
// drops the rest: another node's list is a hint, not an order.
func (p *httpPeers) addHTTPPeers(urls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range urls {
		if !slices.Contains(p.peers, u) && len(p.peers) < MaxHTTPPeers {
			p.peers = append(p.peers, u)
		}
	}
}

// full reports whether base is not a peer yet and there is no room for it.
func (p *httpPeers) full(base string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !slices.Contains(p.peers, base) && len(p.peers) >= MaxHTTPPeers
}

// HTTPPeers returns the registered peer base URLs.
func (n *Node) HTTPPeers() []string {
	n.http.mu.Lock()
	defer n.http.mu.Unlock()
	return slices.Clone(n.http.peers)
}

// PeerError reports that an HTTP peer could not be asked for what a
// tutorial endpoint needs. errors.Is matches Kind and the cause.
type PeerError struct {
	Peer   string // the peer's base URL
	Method string // the request: "GET"
	Path   string // and "/chain"
	Kind   error  // ErrPeerUnreachable or ErrPeerBadAnswer
	Err    error  // the cause: a network error, or the status and what the peer said
}

func (e *PeerError) Error() string {
	cause := e.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err // its text repeats the URL
	}
	return fmt.Sprintf("%v: %s %s%s: %v", e.Kind, e.Method, e.Peer, e.Path, cause)
}

// Unwrap returns the kind and the cause.
func (e *PeerError) Unwrap() []error { return []error{e.Kind, e.Err} }

// askPeer sends one request to a peer and returns its answer's body, at
// most maxChainDump bytes, when the status is 200. Every failure is a
// *PeerError: no answer (ErrPeerUnreachable) or another status, or a body
// that is too large or not JSON (ErrPeerBadAnswer).
func (p *httpPeers) askPeer(ctx context.Context, base, method, path string, body []byte) ([]byte, error) {
	fail := func(kind, err error) error {
		return &PeerError{Peer: base, Method: method, Path: path, Kind: kind, Err: err}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrBadPeerAddress, base, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := p.client.Do(req)
	if err != nil {
		return nil, fail(ErrPeerUnreachable, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxChainDump+1))
	switch {
	case err != nil:
		return nil, fail(ErrPeerUnreachable, fmt.Errorf("reading the answer: %w", err))
	case res.StatusCode != http.StatusOK:
		return nil, fail(ErrPeerBadAnswer, fmt.Errorf("answered %s: %s", res.Status, snippet(data)))
	case len(data) > maxChainDump:
		return nil, fail(ErrPeerBadAnswer, fmt.Errorf("answer larger than %d bytes", maxChainDump))
	case !json.Valid(data):
		return nil, fail(ErrPeerBadAnswer, fmt.Errorf("answer is not JSON: %s", snippet(data)))
	}
	return data, nil
}

// snippet is the start of a peer's answer, for an error message.
func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return strings.ToValidUTF8(string(b[:200]), "") + "…"
	}
	return strings.ToValidUTF8(string(b), "")
}

// FetchChain downloads a peer's GET /chain and decodes its blocks. A peer
// that can't be asked gives a *PeerError; a dump that is JSON but not a
// chain gives chain.ErrMalformed (blocks are checked against the rules
// only when imported).
func (n *Node) FetchChain(ctx context.Context, base string) ([]*chain.Block, error) {
	data, err := n.http.askPeer(ctx, base, http.MethodGet, "/chain", nil)
	if err != nil {
		return nil, err
	}
	blocks, err := chain.ParseChainJSON(data)
	if err != nil {
		return nil, fmt.Errorf("node: chain of %s: %w", base, err)
	}
	return blocks, nil
}

// ResolveResult reports what /nodes/resolve did.
type ResolveResult struct {
	Replaced bool // the best chain changed
	Asked    int  // HTTP peers asked for their chain
	// Errors holds the peers whose chain was refused (a rule's error) or
	// could not be fetched (a *PeerError), by base URL.
	Errors map[string]error
}

// NoneAnswered reports whether peers were asked and not one answered
// with a chain: each failed with a *PeerError (unreachable or a bad
// answer) and nothing changed. A peer whose chain broke a rule did
// answer.
func (r ResolveResult) NoneAnswered() bool {
	if r.Asked == 0 || r.Replaced || len(r.Errors) < r.Asked {
		return false
	}
	for _, err := range r.Errors {
		var pe *PeerError
		if !errors.As(err, &pe) {
			return false
		}
	}
	return true
}

// Resolve is the tutorials' consensus: fetch every registered peer's
// chain and adopt the valid one with the most work. Each chain is fully
// validated; its blocks join the block tree and fork choice decides. In a
// room the same happens through the peers: each one that announced more
// work is asked for its blocks.
func (n *Node) Resolve(ctx context.Context) ResolveResult {
	before := n.chain.Tip().Hash
	res := ResolveResult{Errors: map[string]error{}}
	for _, base := range n.HTTPPeers() {
		res.Asked++
		blocks, err := n.FetchChain(ctx, base)
		if err == nil {
			err = n.importBlocks(blocks)
			if err != nil {
				err = fmt.Errorf("node: chain of %s: %w", base, err)
			}
		}
		if err != nil {
			res.Errors[base] = err
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
// fork choice decides) and its peers, as many as fit. It returns how many
// blocks joined our best chain. Errors: ErrTooManyPeers (before asking
// anyone) when base is new and the list is full; a *PeerError when base
// can't be asked; a rule's error when its chain breaks one (nothing is
// stored then).
func (n *Node) RegisterWith(ctx context.Context, base, self string) (int, error) {
	if n.http.full(base) {
		return 0, fmt.Errorf("%w: at most %d, so %s can't be added", ErrTooManyPeers, MaxHTTPPeers, base)
	}
	body, _ := json.Marshal(RegisterNodeRequest{NodeAddress: self})
	data, err := n.http.askPeer(ctx, base, http.MethodPost, "/register_node", body)
	if err != nil {
		return 0, err
	}
	var rr registerNodeResponse
	if err := json.Unmarshal(data, &rr); err != nil {
		return 0, &PeerError{Peer: base, Method: http.MethodPost, Path: "/register_node", Kind: ErrPeerBadAnswer,
			Err: fmt.Errorf("answer is not {length, chain, peers}: %w", err)}
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
	n.http.addHTTPPeers(peers)
	return max(len(n.chain.MainChain())-before, 0), nil
}
