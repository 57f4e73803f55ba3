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

// peerState is what a node knows of an HTTP peer's chain.
type peerState int

const (
	peerUnchecked peerState = iota // registered, not yet seen on our chain
	peerOurs                       // it named our genesis, or served our chain
	peerForeign                    // not on our chain: it is sent nothing
)

// httpPeers is the tutorials' peer list: base URLs of other nodes' REST
// APIs, reached over plain HTTP.
type httpPeers struct {
	client HTTPClient

	mu    sync.Mutex
	peers []string             // normalized base URLs, e.g. http://127.0.0.1:5001, in registration order
	state map[string]peerState // of each peer
	wg    sync.WaitGroup
}

func newHTTPPeers(client HTTPClient) *httpPeers {
	return &httpPeers{client: client, state: map[string]peerState{}}
}

// NormalizePeerURL turns "host:port", "http://host:port" or
// "http://host:port/" into "http://host:port" (dvf's tutorial takes either
// form), the base URL a node appends its paths to. It refuses anything
// else with ErrBadPeerAddress.
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

// PeerURL is how a node writes a peer's base URL for others (node_address,
// peers, total_nodes): with the trailing slash of Flask's
// request.host_url, so that the IBM tutorial's '{}chain'.format(peer)
// gives a URL that works. NormalizePeerURL reads it back.
func PeerURL(base string) string { return strings.TrimRight(base, "/") + "/" }

// peerURLs is PeerURL of each base URL.
func peerURLs(bases []string) []string {
	out := make([]string, len(bases))
	for i, b := range bases {
		out[i] = PeerURL(b)
	}
	return out
}

// RegisterHTTPPeers adds peer base URLs; all must be valid
// (ErrBadPeerAddress) and, with the peers already registered, fit in
// MaxHTTPPeers (ErrTooManyPeers), or none is added. It returns the whole
// list, as PeerURLs. A registered peer is asked for nothing until the
// node resolves (GET /nodes/resolve) or announces a block, and is sent a
// block only once it has shown it is on this chain (see announce).
func (n *Node) RegisterHTTPPeers(addrs []string) ([]string, error) {
	add, err := normalizeAll(addrs)
	if err != nil {
		return nil, err
	}
	return n.http.register(add, peerUnchecked)
}

// normalizeAll normalizes every address, dropping repeats.
func normalizeAll(addrs []string) ([]string, error) {
	var out []string
	for _, a := range addrs {
		u, err := NormalizePeerURL(a)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// register adds normalized base URLs in state st (a known peer keeps its
// state unless st is peerOurs), all or none.
func (p *httpPeers) register(add []string, st peerState) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fresh := 0
	for _, u := range add {
		if !slices.Contains(p.peers, u) {
			fresh++
		}
	}
	if len(p.peers)+fresh > MaxHTTPPeers {
		return nil, fmt.Errorf("%w: a node keeps at most %d HTTP peers; it has %d and %d more were asked for, so none was added",
			ErrTooManyPeers, MaxHTTPPeers, len(p.peers), fresh)
	}
	for _, u := range add {
		if !slices.Contains(p.peers, u) {
			p.peers = append(p.peers, u)
			p.state[u] = st
		} else if st == peerOurs {
			p.state[u] = st
		}
	}
	return peerURLs(p.peers), nil
}

// addHTTPPeers adds the normalized base URLs that fit in MaxHTTPPeers and
// drops the rest: another node's list is a hint, not an order.
func (p *httpPeers) addHTTPPeers(urls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range urls {
		if !slices.Contains(p.peers, u) && len(p.peers) < MaxHTTPPeers {
			p.peers = append(p.peers, u)
			p.state[u] = peerUnchecked
		}
	}
}

// mark records what a registered peer's chain turned out to be.
func (p *httpPeers) mark(base string, st peerState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.state[base]; ok {
		p.state[base] = st
	}
}

// stateOf returns a registered peer's state (peerUnchecked if unknown).
func (p *httpPeers) stateOf(base string) peerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state[base]
}

// full reports whether base is not a peer yet and there is no room for it.
func (p *httpPeers) full(base string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !slices.Contains(p.peers, base) && len(p.peers) >= MaxHTTPPeers
}

// HTTPPeers returns the registered peers as PeerURLs, in the order they
// were registered; never nil.
func (n *Node) HTTPPeers() []string {
	n.http.mu.Lock()
	defer n.http.mu.Unlock()
	return peerURLs(n.http.peers)
}

// bases returns the registered base URLs.
func (p *httpPeers) bases() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.peers)
}

// PeerError reports that an HTTP peer could not be asked for what a
// tutorial endpoint needs. errors.Is matches Kind and the cause.
type PeerError struct {
	Peer   string // the peer's base URL
	Method string // the request: "GET"
	Path   string // and "/chain"
	Kind   error  // ErrPeerUnreachable or ErrPeerBadAnswer
	Status int    // the answer's status; 0 when there was none
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
	fail := func(kind error, status int, err error) error {
		return &PeerError{Peer: base, Method: method, Path: path, Kind: kind, Status: status, Err: err}
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
		return nil, fail(ErrPeerUnreachable, 0, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxChainDump+1))
	switch {
	case err != nil:
		return nil, fail(ErrPeerUnreachable, res.StatusCode, fmt.Errorf("reading the answer: %w", err))
	case res.StatusCode != http.StatusOK:
		return nil, fail(ErrPeerBadAnswer, res.StatusCode, fmt.Errorf("answered %s: %s", res.Status, snippet(data)))
	case len(data) > maxChainDump:
		return nil, fail(ErrPeerBadAnswer, res.StatusCode, fmt.Errorf("answer larger than %d bytes", maxChainDump))
	case !json.Valid(data):
		return nil, fail(ErrPeerBadAnswer, res.StatusCode, fmt.Errorf("answer is not JSON: %s", snippet(data)))
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

// whyForeign is what the error of a foreign node says about the
// tutorials' own nodes.
const whyForeign = "the tutorials' own nodes keep unsigned blocks hashed their own way, which a Chainplay node can't verify, " +
	"and Chainplay's signed blocks are nothing their code can read, so the two chains can't mix"

// foreignGenesis is ErrForeignChain for a peer whose chain starts at
// another genesis.
func foreignGenesis(base string, theirs, ours chain.Hash) error {
	return fmt.Errorf("%w: %s starts at genesis %s, this node at %s: another room, or other parameters (such as -difficulty)",
		ErrForeignChain, PeerURL(base), theirs.Short(), ours.Short())
}

// checkPeer asks base for its GET /tip, which only Chainplay nodes have,
// and reports whether it is on this node's chain: nil if its genesis is
// ours, ErrForeignChain if it names another or has no /tip (a tutorial's
// own node: Flask answers 404), a *PeerError if it can't be asked. It
// sends nothing about this node.
func (n *Node) checkPeer(ctx context.Context, base string) error {
	data, err := n.http.askPeer(ctx, base, http.MethodGet, "/tip", nil)
	var pe *PeerError
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return fmt.Errorf("%w: %s has no GET /tip, so it is no Chainplay node (the tutorials' own Flask nodes have none): %s",
			ErrForeignChain, PeerURL(base), whyForeign)
	}
	if err != nil {
		return err
	}
	var tip struct {
		Genesis chain.Hash `json:"genesis"`
	}
	if err := json.Unmarshal(data, &tip); err != nil || tip.Genesis.IsZero() {
		return fmt.Errorf("%w: the GET /tip of %s names no genesis, so it is no Chainplay node: %s", ErrForeignChain, PeerURL(base), whyForeign)
	}
	if tip.Genesis != n.chain.ID() {
		return foreignGenesis(base, tip.Genesis, n.chain.ID())
	}
	return nil
}

// FetchChain downloads a peer's GET /chain (the blocks view, whatever
// the peer's tutorial mode) and decodes its blocks. A peer that can't be
// asked gives a *PeerError; a chain whose genesis is not this node's, or
// that is no Chainplay chain at all (a tutorial's own node), gives
// ErrForeignChain; a dump that is JSON but not a chain gives
// chain.ErrMalformed (blocks are checked against the rules only when
// imported).
func (n *Node) FetchChain(ctx context.Context, base string) ([]*chain.Block, error) {
	data, err := n.http.askPeer(ctx, base, http.MethodGet, "/chain?view=blocks", nil)
	if err != nil {
		return nil, err
	}
	if err := n.checkGenesis(base, data); err != nil {
		return nil, err
	}
	blocks, err := chain.ParseChainJSON(data)
	if err != nil {
		return nil, fmt.Errorf("node: chain of %s: %w", base, err)
	}
	return blocks, nil
}

// checkGenesis reads the first block of a chain dump {length, chain}:
// ErrForeignChain unless it is a Chainplay block with this node's
// genesis hash. A dump that is not {chain: [...]} is left for
// chain.ParseChainJSON to refuse.
func (n *Node) checkGenesis(base string, dump []byte) error {
	var raw struct {
		Chain []json.RawMessage `json:"chain"`
	}
	if json.Unmarshal(dump, &raw) != nil || len(raw.Chain) == 0 {
		return nil
	}
	var g chain.Block
	if err := g.UnmarshalJSON(raw.Chain[0]); err != nil {
		return fmt.Errorf("%w: the first block of %s is no Chainplay block (%v): %s", ErrForeignChain, PeerURL(base), err, whyForeign)
	}
	if g.Hash() != n.chain.ID() {
		return foreignGenesis(base, g.Hash(), n.chain.ID())
	}
	return nil
}

// ResolveResult reports what /nodes/resolve did.
type ResolveResult struct {
	Replaced bool // the best chain changed
	Asked    int  // HTTP peers asked for their chain
	// Errors holds the peers whose chain was refused (a rule's error,
	// ErrForeignChain) or could not be fetched (a *PeerError), by base URL.
	Errors map[string]error
}

// NoneAnswered reports whether peers were asked and not one answered
// with a chain: each failed with a *PeerError (unreachable or a bad
// answer) and nothing changed. A peer whose chain broke a rule, or was
// another chain, did answer.
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
// validated; its blocks join the block tree and fork choice decides. A
// peer found on another chain is marked so and sent no blocks. In a room
// the same happens through the peers: each one that announced more work
// is asked for its blocks.
func (n *Node) Resolve(ctx context.Context) ResolveResult {
	before := n.chain.Tip().Hash
	res := ResolveResult{Errors: map[string]error{}}
	for _, base := range n.http.bases() {
		res.Asked++
		blocks, err := n.FetchChain(ctx, base)
		switch {
		case errors.Is(err, ErrForeignChain):
			n.http.mark(base, peerForeign)
		case err == nil:
			n.http.mark(base, peerOurs)
			if err = n.importBlocks(blocks); err != nil {
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

// announceHTTP POSTs a block this node made to every HTTP peer's
// /add_block, as the IBM tutorial does after /mine, but only to peers
// that showed they are on this chain: a peer not seen yet is first asked
// for its GET /tip (checkPeer), and one that is not on this chain (the
// tutorials' own nodes answer a foreign block with a 500) is sent
// nothing. It does not wait; WaitAnnounced does.
func (n *Node) announceHTTP(b *chain.Block) {
	p := n.http
	peers := p.bases()
	if len(peers) == 0 {
		return
	}
	body, err := json.Marshal(b)
	if err != nil {
		return
	}
	for _, base := range peers {
		if p.stateOf(base) == peerForeign {
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if p.stateOf(base) == peerUnchecked {
				switch err := n.checkPeer(ctx, base); {
				case errors.Is(err, ErrForeignChain):
					p.mark(base, peerForeign)
					return
				case err != nil:
					return // unreachable: ask again with the next block
				}
				p.mark(base, peerOurs)
			}
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
// are reachable at self (sent as PeerURL(self), with our genesis), then
// adopts that node's chain (fully validated; fork choice decides) and its
// peers, as many as fit. It returns how many blocks joined our best
// chain.
//
// Before it says anything about us, it asks base for its GET /tip
// (checkPeer): a node that is not on this chain — another genesis, or
// one of the tutorials' own Flask nodes, which would keep our address and
// then fail on our chain — is refused with ErrForeignChain, and neither
// side stores anything. Errors: ErrBadPeerAddress when base is self;
// ErrTooManyPeers (before asking anyone) when base is new and the list is
// full; a *PeerError when base can't be asked; ErrForeignChain; a rule's
// error when its chain breaks one (nothing is stored then).
func (n *Node) RegisterWith(ctx context.Context, base, self string) (int, error) {
	self, err := NormalizePeerURL(self)
	if err != nil {
		return 0, err
	}
	if base == self {
		return 0, fmt.Errorf("%w %q: that is this node itself", ErrBadPeerAddress, PeerURL(base))
	}
	if n.http.full(base) {
		return 0, fmt.Errorf("%w: a node keeps at most %d HTTP peers, so %s can't be added", ErrTooManyPeers, MaxHTTPPeers, PeerURL(base))
	}
	if err := n.checkPeer(ctx, base); err != nil {
		return 0, err
	}
	body, _ := json.Marshal(RegisterNodeRequest{NodeAddress: PeerURL(self), Genesis: n.chain.ID().String()})
	data, err := n.http.askPeer(ctx, base, http.MethodPost, "/register_node", body)
	if err != nil {
		return 0, err
	}
	var rr registerNodeResponse
	if err := json.Unmarshal(data, &rr); err != nil {
		return 0, &PeerError{Peer: base, Method: http.MethodPost, Path: "/register_node", Kind: ErrPeerBadAnswer, Status: http.StatusOK,
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
	if _, err := n.http.register([]string{base}, peerOurs); err != nil {
		return 0, err // the list filled up meanwhile
	}
	var hints []string
	for _, p := range rr.Peers {
		if u, err := NormalizePeerURL(p); err == nil && u != self {
			hints = append(hints, u)
		}
	}
	n.http.addHTTPPeers(hints)
	return max(len(n.chain.MainChain())-before, 0), nil
}
