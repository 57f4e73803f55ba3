//go:build !js

// Command node is a headless Chainplay peer. It serves the node REST API
// (the tutorials' endpoints) and either joins a room of the chainplay
// server through its relay, or peers with other nodes over plain HTTP the
// way the tutorials do (/nodes/register, /nodes/resolve, /register_with).
//
//	node -http 127.0.0.1:5000                      # a tutorial node
//	node -http 127.0.0.1:5001 -mine -threads 2     # one that mines
//	node -room ws://127.0.0.1:8080/ws/class-7b -name robot -mine
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/boltstore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	httpAddr   string
	room       string
	mine       bool
	threads    int
	data       string
	name       string
	difficulty uint64
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.StringVar(&o.httpAddr, "http", "127.0.0.1:5000", "serve the node REST API on this address (empty: don't)")
	fs.StringVar(&o.room, "room", "", "join this relay room, e.g. ws://127.0.0.1:8080/ws/class-7b (empty: peer over HTTP like the tutorials)")
	fs.BoolVar(&o.mine, "mine", false, "mine continuously")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "mining goroutines")
	fs.StringVar(&o.data, "data", "", "directory to keep the chain and the wallet in (empty: memory only)")
	fs.StringVar(&o.name, "name", "", "nickname shown to the room (default: the wallet's short address)")
	fs.Uint64Var(&o.difficulty, "difficulty", chain.PlaygroundParams.Difficulty, "initial difficulty of a standalone chain (all HTTP peers must agree)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.threads < 1 {
		return o, fmt.Errorf("-threads %d: want at least 1", o.threads)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	params := chain.PlaygroundParams
	params.Difficulty = o.difficulty
	var info roomInfo
	if o.room != "" {
		if info, err = fetchRoom(ctx, o.room); err != nil {
			return err
		}
		params = info.Params
	}
	var store *boltstore.Store
	var key []byte
	if o.data != "" {
		if err := os.MkdirAll(o.data, 0o700); err != nil {
			return err
		}
		if store, err = node.OpenStore(filepath.Join(o.data, "node.db")); err != nil {
			return err
		}
		defer store.Close()
		if params, err = storedParams(store, params); err != nil {
			return err
		}
		if key, err = storedKey(store); err != nil {
			return err
		}
	}
	c, err := chain.New(chain.Config{Params: params})
	if err != nil {
		return err
	}
	priv := chain.GenerateKey()
	if key != nil {
		priv = key
	}
	cfg := node.Config{Chain: c, Key: priv, Name: o.name, Miner: node.ThreadMiner{Threads: o.threads}}
	if store != nil { // a nil *boltstore.Store must not become a non-nil interface
		cfg.Store = store
	}
	n, err := node.New(cfg)
	if err != nil {
		return err
	}
	n.Subscribe(func(ev node.Event) { fmt.Fprintf(stdout, "%s  %s\n", time.Now().Format("15:04:05"), ev.Text) })
	fmt.Fprintf(stdout, "node %s: wallet %s, chain %s at #%d\n", n.Name(), n.Address(), c.ID().Short(), c.Tip().Height)

	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)

	if o.httpAddr != "" {
		ln, err := net.Listen("tcp", o.httpAddr)
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(stdout, "REST API on http://%s/ (GET /chain, GET /mine, POST /transactions/new, …)\n", ln.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		defer func() {
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			hs.Shutdown(sctx)
		}()
	}
	if o.room != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := stayInRoom(ctx, n, o.room, info, stdout); err != nil {
				errc <- err
			}
		}()
	}
	if o.mine {
		wg.Add(1)
		go func() { defer wg.Done(); _ = n.MineLoop(ctx, node.MineConfig{}) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// stayInRoom keeps the node in its relay room, reconnecting with backoff.
// Before each dial it reads the room again: when the teacher has reset
// the room or started a new genesis, it stops with an error rather than
// hand the old chain back to the room.
func stayInRoom(ctx context.Context, n *node.Node, room string, first roomInfo, stdout io.Writer) error {
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		info, err := fetchRoom(ctx, room)
		switch {
		case err != nil:
			fmt.Fprintf(stdout, "cannot read room %s: %v\n", room, err)
		case info.Epoch != first.Epoch || info.Params != first.Params:
			return fmt.Errorf("the teacher reset room %s or gave it a new genesis: start the node again (without the old -data)", info.Params.Name)
		default:
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			t, err := node.DialRelay(dctx, info.dialURL(room), n.Name())
			cancel()
			if err != nil {
				fmt.Fprintf(stdout, "cannot reach %s: %v (retrying in %v)\n", room, err, backoff)
			} else {
				backoff = 500 * time.Millisecond
				_ = n.Run(ctx, t)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
	return nil
}

// roomInfo is what the chainplay server says of a room.
type roomInfo struct {
	Params chain.Params
	Epoch  uint64 // resets so far; the relay refuses a stale one
}

// dialURL adds the room's epoch to the relay URL.
func (r roomInfo) dialURL(room string) string {
	u, err := url.Parse(room)
	if err != nil {
		return room
	}
	q := u.Query()
	q.Set("epoch", fmt.Sprint(r.Epoch))
	u.RawQuery = q.Encode()
	return u.String()
}

// fetchRoom asks the chainplay server for a room's parameters and epoch
// (GET /api/rooms/NAME next to the relay's /ws/NAME). A server without
// that endpoint gets the defaults every tab uses: the playground
// parameters named after the room.
func fetchRoom(ctx context.Context, room string) (roomInfo, error) {
	u, err := url.Parse(room)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || !strings.Contains(u.Path, "/ws/") {
		return roomInfo{}, fmt.Errorf("-room %q: want ws://HOST/ws/NAME", room)
	}
	info := roomInfo{Params: chain.PlaygroundParams}
	info.Params.Name = path.Base(u.Path)
	api := *u
	api.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	api.Path = strings.Replace(u.Path, "/ws/", "/api/rooms/", 1)
	api.RawQuery = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.String(), nil)
	if err != nil {
		return info, err
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return info, fmt.Errorf("room parameters from %s: %w", api.String(), err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return info, nil // a bare relay: the defaults
	}
	if res.StatusCode != http.StatusOK {
		return info, fmt.Errorf("room parameters from %s: %s", api.String(), res.Status)
	}
	var body struct {
		Params json.RawMessage `json:"params"`
		Epoch  uint64          `json:"epoch"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&body); err != nil {
		return info, fmt.Errorf("room parameters from %s: %w", api.String(), err)
	}
	info.Epoch = body.Epoch
	if len(body.Params) > 0 {
		if info.Params, err = chain.ParseParams(body.Params); err != nil {
			return info, fmt.Errorf("room parameters from %s: %w", api.String(), err)
		}
	}
	return info, nil
}

// storedParams returns the parameters a data directory was created with,
// recording p on first use.
func storedParams(s *boltstore.Store, p chain.Params) (chain.Params, error) {
	b, err := s.Setting("params")
	if errors.Is(err, node.ErrNoSetting) {
		return p, s.SetSetting("params", p.CanonicalJSON())
	}
	if err != nil {
		return p, err
	}
	return chain.ParseParams(b)
}

// storedKey returns the wallet kept in the data directory, creating one.
func storedKey(s *boltstore.Store) ([]byte, error) {
	b, err := s.Setting("wallet_seed")
	if errors.Is(err, node.ErrNoSetting) {
		k := chain.GenerateKey()
		return k, s.SetSetting("wallet_seed", []byte(hex.EncodeToString(k.Seed())))
	}
	if err != nil {
		return nil, err
	}
	return chain.KeyFromSeedHex(string(b))
}
