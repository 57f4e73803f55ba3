//go:build !js

// Command node is a headless Chainplay peer. It serves the node REST API
// (the tutorials' endpoints) and either joins a room of the chainplay
// server through its relay, or peers with other nodes over plain HTTP the
// way the tutorials do (/nodes/register, /nodes/resolve, /register_with).
//
//	node -http 127.0.0.1:5000                      # a node with the tutorials' endpoints
//	node -http 127.0.0.1:5001 -mine -threads 2     # one that mines
//	node -tutorial dvf -name d4ee26eee15148ee92c6cd394edd974e   # dvf's walkthrough, verbatim
//	node -tutorial ibm                             # IBM's web app's node, on 127.0.0.1:8000
//	node -room ws://127.0.0.1:8080/ws/class-7b -name robot -mine
//	node -room ws://127.0.0.1:8080/ws/pbft-lab -seat seat2.key   # a replica of a PBFT room
//	node -room ws://127.0.0.1:8080/ws/pos-lab -validator v0.key  # a genesis validator of a PoS room
//
// -seat FILE takes a seat of a PBFT room: FILE holds the seat's key as
// 64 hex characters (its ed25519 seed), as the teacher got them when the
// room was created. The node runs the replica (node.Seat); without -seat
// a node in a PBFT room follows the committed blocks. A PBFT room has no
// mining: -mine is refused there.
//
// In a PoS or DPoS room the node runs the validator loop
// (node.ValidatorLoop): at each slot it leads, it signs the slot's block
// with its wallet key. -validator FILE makes that key the one in FILE (64
// hex characters, like -seat): a genesis validator's key, as the teacher
// got them when the room was created. Such a room has no mining: -mine is
// refused there.
//
// -tutorial dvf|ibm is the tutorials' open mode (node.Tutorial): the
// node's identifier is its -name (a random 32 hex characters, like dvf's
// node_identifier, when -name is not given), its wallet is the named
// account of that name (chain.NameKey), and it signs for any named sender
// with the name's demo key, as the tutorials' unsigned world assumes.
// With ibm, GET /mine mines only when a post is pending and GET /chain
// lists only posts, as the IBM tutorial's app expects; the default -http
// is then IBM's 127.0.0.1:8000. The default -difficulty is the
// tutorial's own ("0000": 65536 for dvf, "00": 256 for ibm), so every
// node started the same way shares one genesis. A tutorial node does not
// join rooms.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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
	tutorial   node.Tutorial
	seat       string
	validator  string
}

// tutorialDifficulty is each tutorial's own proof of work, the default
// -difficulty in its mode: dvf's hash starts with "0000" (16 bits), IBM's
// with "00" (8 bits).
var tutorialDifficulty = map[node.Tutorial]uint64{node.TutorialDvf: 1 << 16, node.TutorialIBM: 1 << 8}

// The default REST addresses: dvf's Flask port, and IBM's node's (its web
// app runs on 5000 and asks 8000).
const (
	defaultHTTP    = "127.0.0.1:5000"
	defaultIBMHTTP = "127.0.0.1:8000"
)

func parseFlags(args []string) (options, error) {
	var o options
	var tutorial string
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.StringVar(&o.httpAddr, "http", defaultHTTP, "serve the node REST API on this address (empty: don't; default "+defaultIBMHTTP+" with -tutorial ibm)")
	fs.StringVar(&tutorial, "tutorial", "", "the tutorials' open mode: dvf or ibm (the node signs for named senders; see the README)")
	fs.StringVar(&o.room, "room", "", "join this relay room, e.g. ws://127.0.0.1:8080/ws/class-7b (empty: peer over HTTP like the tutorials)")
	fs.BoolVar(&o.mine, "mine", false, "mine continuously")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "mining goroutines")
	fs.StringVar(&o.data, "data", "", "directory to keep the chain and the wallet in (empty: memory only)")
	fs.StringVar(&o.name, "name", "", "nickname shown to the room (default: the wallet's short address)")
	fs.StringVar(&o.seat, "seat", "", "take a seat of a PBFT room: a file with the seat key (64 hex characters); needs -room")
	fs.StringVar(&o.validator, "validator", "", "sign a PoS or DPoS room's blocks with this key: a file with the validator key (64 hex characters); needs -room")
	fs.Uint64Var(&o.difficulty, "difficulty", chain.PlaygroundParams.Difficulty, "initial difficulty of a standalone chain (all HTTP peers must agree; with -tutorial, the tutorial's: 65536 for dvf, 256 for ibm)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.threads < 1 {
		return o, fmt.Errorf("-threads %d: want at least 1", o.threads)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags take their value as -flag value or -flag=value)", fs.Arg(0))
	}
	var err error
	if o.tutorial, err = node.ParseTutorial(tutorial); err != nil {
		return o, fmt.Errorf("-tutorial %q: want dvf or ibm", tutorial)
	}
	if o.tutorial.Open() && o.room != "" {
		return o, errors.New("-tutorial is for peering over HTTP as the tutorials do, not for a room: there, named accounts would be anyone's coins")
	}
	if o.seat != "" && (o.room == "" || o.mine) {
		return o, errors.New("-seat is for a PBFT room: it needs -room, and a PBFT room has no mining (-mine)")
	}
	if o.validator != "" && (o.room == "" || o.mine || o.seat != "") {
		return o, errors.New("-validator is for a PoS or DPoS room: it needs -room, and such a room has no mining (-mine) and no seats (-seat)")
	}
	if o.name != "" && o.tutorial.Open() {
		if err := chain.CheckAccountName(o.name); err != nil {
			return o, fmt.Errorf("-name: %w", err)
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.tutorial == node.TutorialIBM && !set["http"] {
		o.httpAddr = defaultIBMHTTP
	}
	if d, ok := tutorialDifficulty[o.tutorial]; ok && !set["difficulty"] {
		o.difficulty = d
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
	var info node.RoomInfo
	if o.room != "" {
		if info, err = node.FetchRoom(ctx, o.room); err != nil {
			return fmt.Errorf("-room: %w", err)
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
		stored, err := storedParams(store, params)
		if err != nil {
			return err
		}
		if o.room != "" && stored != params {
			return fmt.Errorf("-data %s holds room %s's chain from before the teacher reset it or changed its rules (genesis %s; the room's is now %s): start with a new -data directory, or delete that one, to join the room as it is now",
				o.data, params.Name, chain.GenesisBlock(stored).Hash().Short(), chain.GenesisBlock(params).Hash().Short())
		}
		params = stored
		if o.tutorial.Open() {
			if o.name, err = storedName(store, o.name); err != nil {
				return err
			}
		} else if key, err = storedKey(store); err != nil {
			return err
		}
	}
	if o.tutorial.Open() {
		if o.name == "" {
			o.name = nodeIdentifier()
		}
		key = chain.NameKey(o.name)
	}
	if params.Engine == chain.EnginePBFT && o.mine {
		return errors.New("-mine: room " + params.Name + " is a PBFT room: its blocks are committed by the seats, not mined (take a seat with -seat)")
	}
	if params.IsStake() && o.mine {
		return errors.New("-mine: room " + params.Name + " is a " + params.Engine + " room: its blocks are signed by the slots' leaders, not mined (sign with -validator)")
	}
	if o.validator != "" {
		if !params.IsStake() {
			return errors.New("-validator: room " + params.Name + " is not a PoS or DPoS room")
		}
		if key, err = readKeyFile("-validator", o.validator); err != nil {
			return err
		}
	}
	var seatKey []byte
	if o.seat != "" {
		if seatKey, err = readSeatKey(o.seat); err != nil {
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
	cfg := node.Config{Chain: c, Key: priv, Name: o.name, Miner: node.ThreadMiner{Threads: o.threads, Counter: new(atomic.Uint64)},
		ControlKey: info.ControlKey} // the teacher's controls of a -room are signed by it

	if store != nil { // a nil *boltstore.Store must not become a non-nil interface
		cfg.Store = store
	}
	n, err := node.New(cfg)
	if err != nil {
		return err
	}
	defer n.Flush()         // before the store closes: the last blocks are written
	defer n.WaitAnnounced() // the blocks being posted to HTTP peers, after the server stopped
	n.Subscribe(func(ev node.Event) { fmt.Fprintf(stdout, "%s  %s\n", time.Now().Format("15:04:05"), ev.Text) })
	fmt.Fprintf(stdout, "node %s: wallet %s, chain %s at #%d\n", n.Name(), n.Address(), c.ID().Short(), c.Tip().Height)
	if o.tutorial.Open() {
		fmt.Fprintf(stdout, "tutorial mode (%s): node identifier %s; its wallet is the named account of that name, and the node signs for any named sender with the name's demo key (anyone can: coins here are a demo's)\n",
			o.tutorial, n.Name())
	}

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
		hs := &http.Server{Handler: n.API(node.APIConfig{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), Tutorial: o.tutorial}), ReadHeaderTimeout: 10 * time.Second}
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
			if err := stayInRoom(ctx, n, o.room, info); err != nil {
				errc <- err
			}
		}()
	}
	if o.mine {
		wg.Add(1)
		go func() { defer wg.Done(); _ = n.MineLoop(ctx, node.MineConfig{}) }()
	}
	if params.IsStake() {
		st := n.Chain().StakeOf(n.Address())
		fmt.Fprintf(stdout, "%s validator %s: stake %d\n", params.Engine, n.Address(), st.Stake)
		wg.Add(1)
		go func() { defer wg.Done(); _ = n.ValidatorLoop(ctx) }()
	}
	if seatKey != nil {
		seat, err := n.TakeSeat(node.SeatConfig{Key: seatKey})
		if err != nil {
			return fmt.Errorf("-seat: %w", err)
		}
		fmt.Fprintf(stdout, "PBFT seat %d of %d\n", seat.Index(), seat.Status().Seats)
		wg.Add(1)
		go func() { defer wg.Done(); _ = seat.Run(ctx) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// readSeatKey reads a seat key file: the seat's ed25519 seed as 64 hex
// characters, surrounding white space ignored.
func readSeatKey(path string) ([]byte, error) { return readKeyFile("-seat", path) }

// readKeyFile reads a key file for flag: an ed25519 seed as 64 hex
// characters, surrounding white space ignored.
func readKeyFile(flag, path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	k, err := chain.KeyFromSeedHex(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return k, nil
}

// stayInRoom keeps the node in its relay room (node.StayJoined: redial
// with backoff, and before each redial read the room again). When the
// teacher has reset the room or started a new genesis, it stops with an
// error rather than hand the old chain back to the room.
func stayInRoom(ctx context.Context, n *node.Node, room string, joined node.RoomInfo) error {
	err := n.StayJoined(ctx, node.RoomJoinConfig(room, n.Name(), joined))
	if errors.Is(err, node.ErrRoomReset) {
		return fmt.Errorf("the teacher reset room %s or gave it a new genesis: start the node again (without the old -data): %w", joined.Params.Name, err)
	}
	return err
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

// nodeIdentifier is a tutorial node's default name: 32 random hex
// characters, like dvf's node_identifier (a uuid4 without its dashes).
func nodeIdentifier() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// storedName returns the tutorial node's identifier kept in the data
// directory: name when given (and then kept), else the one stored, else a
// new one (kept).
func storedName(s *boltstore.Store, name string) (string, error) {
	if name == "" {
		b, err := s.Setting("tutorial_name")
		switch {
		case err == nil:
			return string(b), nil
		case !errors.Is(err, node.ErrNoSetting):
			return "", err
		}
		name = nodeIdentifier()
	}
	return name, s.SetSetting("tutorial_name", []byte(name))
}
