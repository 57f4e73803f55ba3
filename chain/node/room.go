package node

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// RoomInfo is what a chainplay server says of one of its rooms (GET
// /api/rooms/NAME): the parameters its genesis is built from and its
// epoch, the number of resets so far. A node joins with the epoch it
// built its chain for; the server refuses an old one.
type RoomInfo struct {
	Params chain.Params
	Epoch  uint64
	// ControlKey is the public key that signs the room's teacher controls
	// (Config.ControlKey); nil for a room without a teacher or a bare
	// relay.
	ControlKey ed25519.PublicKey
}

// roomFetchTimeout bounds one GET /api/rooms/NAME; dialTimeout one dial.
const (
	roomFetchTimeout = 10 * time.Second
	dialTimeout      = 10 * time.Second
)

// DialURL returns roomURL with the room's epoch as ?epoch=, replacing any
// epoch it had. A roomURL that does not parse is returned as it is, for
// the dial to report.
func (r RoomInfo) DialURL(roomURL string) string {
	u, err := url.Parse(roomURL)
	if err != nil {
		return roomURL
	}
	q := u.Query()
	q.Set("epoch", strconv.FormatUint(r.Epoch, 10))
	u.RawQuery = q.Encode()
	return u.String()
}

// roomAPI returns the room API URL next to a relay URL:
// ws://HOST/ws/NAME?… gives http://HOST/api/rooms/NAME, and the room's
// name.
func roomAPI(roomURL string) (api, name string, err error) {
	u, err := url.Parse(roomURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || !strings.Contains(u.Path, "/ws/") {
		return "", "", fmt.Errorf("node: room url %q: want ws://HOST/ws/NAME", roomURL)
	}
	a := *u
	a.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	a.Path = strings.Replace(u.Path, "/ws/", "/api/rooms/", 1)
	a.RawQuery = ""
	a.Fragment = ""
	return a.String(), path.Base(u.Path), nil
}

// FetchRoom asks the chainplay server of roomURL (ws://HOST/ws/NAME) for
// the room's parameters and epoch, at GET /api/rooms/NAME, with
// DefaultHTTPClient. A server that answers 404 (a bare relay) gets the
// defaults every tab uses: the playground parameters named after the
// room, epoch 0.
func FetchRoom(ctx context.Context, roomURL string) (RoomInfo, error) {
	return FetchRoomWith(ctx, DefaultHTTPClient(), roomURL)
}

// FetchRoomWith is FetchRoom with client (a tab's goes through the
// browser's fetch).
func FetchRoomWith(ctx context.Context, client HTTPClient, roomURL string) (RoomInfo, error) {
	api, name, err := roomAPI(roomURL)
	if err != nil {
		return RoomInfo{}, err
	}
	info := RoomInfo{Params: chain.PlaygroundParams}
	info.Params.Name = name
	ctx, cancel := context.WithTimeout(ctx, roomFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api, nil)
	if err != nil {
		return RoomInfo{}, fmt.Errorf("node: room %s: %w", api, err)
	}
	res, err := client.Do(req)
	if err != nil {
		return RoomInfo{}, fmt.Errorf("node: room %s: %w", api, err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return info, nil // a bare relay: the defaults
	default:
		return RoomInfo{}, fmt.Errorf("node: room %s: %s", api, res.Status)
	}
	var body struct {
		Params     json.RawMessage `json:"params"`
		Epoch      uint64          `json:"epoch"`
		ControlKey string          `json:"control_key"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&body); err != nil {
		return RoomInfo{}, fmt.Errorf("node: room %s: %w", api, err)
	}
	info.Epoch = body.Epoch
	if body.ControlKey != "" {
		k, err := hex.DecodeString(body.ControlKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return RoomInfo{}, fmt.Errorf("node: room %s: control_key %q is not an ed25519 public key in hex", api, body.ControlKey)
		}
		info.ControlKey = k
	}
	if len(body.Params) > 0 {
		if info.Params, err = chain.ParseParams(body.Params); err != nil {
			return RoomInfo{}, fmt.Errorf("node: room %s: %w", api, err)
		}
	}
	return info, nil
}

// RoomJoinConfig returns how a node whose chain was built for joined
// stays in the relay room at roomURL (ws://HOST/ws/NAME) under the
// nickname name. Dial joins with ?epoch=joined.Epoch, which the server
// refuses after a reset (ErrRoomReset natively; in a browser the refusal
// is opaque and the next Check sees it). Check reads the room with
// FetchRoom and returns ErrRoomReset when its epoch or parameters are no
// longer joined's.
func RoomJoinConfig(roomURL, name string, joined RoomInfo) JoinConfig {
	return RoomJoinConfigWith(roomURL, name, joined, DefaultHTTPClient())
}

// RoomJoinConfigWith is RoomJoinConfig whose Check reads the room with
// client.
func RoomJoinConfigWith(roomURL, name string, joined RoomInfo, client HTTPClient) JoinConfig {
	return RelaysJoinConfig([]string{roomURL}, name, joined, client)
}

// RelaysJoinConfig is RoomJoinConfigWith over the same room on several
// relays (the processes of a cluster, docs/cluster.md): the first dial
// goes to roomURLs[0], and every attempt after it to the next URL in
// turn, wrapping round, its Check reading the room from that URL's
// server. So a node whose relay process died is in the room again on
// the next one after one backoff, and one that keeps failing tries them
// all. Target names the host of the next attempt when there are several
// URLs (the CodeConnRetrying event's Name). roomURLs must not be empty;
// one URL behaves as RoomJoinConfigWith always did.
func RelaysJoinConfig(roomURLs []string, name string, joined RoomInfo, client HTTPClient) JoinConfig {
	urls := slices.Clone(roomURLs)
	if len(urls) == 0 {
		urls = []string{""} // Dial reports the bad URL
	}
	// cur is the URL of the attempt under way: StayJoined calls Check
	// before every dial but the first, so Check moves it on.
	var mu sync.Mutex
	cur := 0
	at := func(step int) string {
		mu.Lock()
		defer mu.Unlock()
		cur = (cur + step) % len(urls)
		return urls[cur]
	}
	cfg := JoinConfig{
		Dial: func(ctx context.Context) (Transport, error) {
			ctx, cancel := context.WithTimeout(ctx, dialTimeout)
			defer cancel()
			return DialRelay(ctx, joined.DialURL(at(0)), name)
		},
		Check: func(ctx context.Context) error {
			roomURL := at(1)
			now, err := FetchRoomWith(ctx, client, roomURL)
			switch {
			case err != nil:
				return err
			case now.Epoch != joined.Epoch:
				return fmt.Errorf("%w: room %s is at epoch %d, this chain was built for epoch %d", ErrRoomReset, now.Params.Name, now.Epoch, joined.Epoch)
			case now.Params != joined.Params:
				return fmt.Errorf("%w: room %s has new parameters (genesis %s, this chain's is %s)", ErrRoomReset, now.Params.Name,
					chain.GenesisBlock(now.Params).Hash().Short(), chain.GenesisBlock(joined.Params).Hash().Short())
			}
			return nil
		},
	}
	if len(urls) > 1 {
		cfg.Target = func() string {
			mu.Lock()
			u := urls[(cur+1)%len(urls)]
			mu.Unlock()
			if p, err := url.Parse(u); err == nil && p.Host != "" {
				return p.Host
			}
			return u
		}
	}
	return cfg
}
