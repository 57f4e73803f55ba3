//go:build !js

// Command chainplay serves a classroom blockchain playground: the pages,
// the wasm node every tab runs, the websocket relay that joins the tabs of
// a room, the room API (create a room, teacher actions), and one archive
// peer per active room that keeps its chain under -data.
//
//	chainplay -addr 127.0.0.1:8080 -data ./data
//
// SIGINT or SIGTERM shut it down gracefully: no new requests, the archive
// peers stop (their stores are closed), every websocket gets a close frame.
//
// A room holds against a hostile student: every response carries security
// headers (headers.go); a kick bans for the room's session (bans.go);
// creating and opening rooms is rate-limited per address (ratelimit.go);
// a room opened by URL is neither stored nor claimed by it, and is
// reclaimed when idle; a reset is decided by one write to the registry and
// gives the room a new genesis (archive.go). A binary built without the
// page's wasm refuses to start (assets.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/web"
)

func main() {
	if err := run(context.Background(), os.Args[1:], web.StaticFS); err != nil {
		log.Fatal(err)
	}
}

// options are the command line.
type options struct {
	addr, data  string
	difficulty  uint64
	archiveIdle time.Duration
	storeDelay  time.Duration
	trustProxy  bool
	relay       relay.Config
	nats        natsOptions
}

func parseFlags(args []string) (options, error) {
	o := options{relay: relay.DefaultConfig()}
	fs := flag.NewFlagSet("chainplay", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to serve on (\":8080\" serves a classroom LAN)")
	fs.StringVar(&o.data, "data", "data", "data directory: every room's parameters and chain")
	fs.Uint64Var(&o.difficulty, "difficulty", chain.PlaygroundParams.Difficulty, "initial difficulty of rooms opened by URL and default of new rooms (expected hashes per block)")
	fs.DurationVar(&o.archiveIdle, "archive-idle", 2*time.Minute, "stop a room's archive peer after the room has had no peers this long (its chain stays on disk)")
	fs.DurationVar(&o.storeDelay, "archive-store-delay", 0, "gather the archive's block writes for this long after each write (fewer writes in a fast room; with -nats, a block not yet written when the process dies comes back from the room's peers)")
	origins := fs.String("origins", "", "comma-separated host patterns of other origins whose pages may open the relay websocket, e.g. \"*.example.org\" (default: same host only)")
	fs.Int64Var(&o.relay.ReadLimit, "read-limit", o.relay.ReadLimit, "largest frame a peer may send, in bytes")
	fs.Float64Var(&o.relay.RatePerSec, "rate", o.relay.RatePerSec, "frames per second a peer may send on average")
	fs.IntVar(&o.relay.RateBurst, "rate-burst", o.relay.RateBurst, "frames a peer may send at once")
	fs.IntVar(&o.relay.SendQueue, "send-queue", o.relay.SendQueue, "frames waiting for a peer before it is disconnected as too slow")
	fs.DurationVar(&o.relay.WriteTimeout, "write-timeout", o.relay.WriteTimeout, "time to write one frame to a peer before it is disconnected")
	fs.DurationVar(&o.relay.PingInterval, "ping", o.relay.PingInterval, "keepalive ping interval (0: no pings)")
	fs.IntVar(&o.relay.MaxPeersPerRoom, "max-peers", o.relay.MaxPeersPerRoom, "peers per room, the archive peer included")
	fs.IntVar(&o.relay.MaxRooms, "max-rooms", o.relay.MaxRooms, "rooms with peers at once (a room kept only by its archive peer takes no slot)")
	o.nats.flags(fs)
	fs.BoolVar(&o.trustProxy, "trust-proxy", false, "behind a reverse proxy: take each client's address from the last hop of X-Forwarded-For (for bans and rate limits)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *origins != "" {
		for _, p := range strings.Split(*origins, ",") {
			if p = strings.TrimSpace(p); p != "" {
				o.relay.OriginPatterns = append(o.relay.OriginPatterns, p)
			}
		}
	}
	if o.archiveIdle <= 0 {
		return o, fmt.Errorf("-archive-idle %v: want a positive duration", o.archiveIdle)
	}
	if o.storeDelay < 0 || o.storeDelay > time.Hour {
		return o, fmt.Errorf("-archive-store-delay %v: want 0 to 1h", o.storeDelay)
	}
	if err := o.relay.Validate(); err != nil {
		return o, err
	}
	if err := o.nats.check(); err != nil {
		return o, err
	}
	return o, nil
}

// run serves until ctx ends or a signal comes. assets are the page's
// static files (web.StaticFS): run refuses to start when they lack what
// `make wasm` builds.
func run(ctx context.Context, args []string, assets fs.FS) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := checkAssets(assets); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	params := chain.PlaygroundParams
	params.Difficulty = o.difficulty
	var lan string // listening on every interface: students reach the LAN address
	if host, port, err := net.SplitHostPort(o.addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		lan = lanHost(port)
	}
	cl, stopNATS, err := o.nats.connect(o.data, logger)
	if err != nil {
		return err
	}
	defer stopNATS()
	srv, err := newServer(serverConfig{
		Cluster:     cl,
		Params:      params,
		Relay:       o.relay,
		Data:        o.data,
		ArchiveIdle: o.archiveIdle,
		TrustProxy:  o.trustProxy,
		Logger:      logger,
		LANHost:     lan,

		ArchiveStoreDelay: o.storeDelay,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	host := ln.Addr().String()
	if strings.HasPrefix(o.addr, ":") {
		host = "127.0.0.1" + host[strings.LastIndex(host, ":"):]
	}
	fmt.Printf("Chainplay is running: open http://%s/ (Ctrl-C to stop)\n", host)
	if lan != "" {
		fmt.Printf("Students on this network open http://%s/\n", lan)
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C kills at once
	fmt.Println("Shutting down…")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx) // no new requests; wait for API calls (not websockets)
	srv.Close()             // archive peers, then every websocket, then the registry
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
