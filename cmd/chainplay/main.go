// Command chainplay serves a classroom blockchain playground: the pages,
// the wasm node every tab runs, and the websocket relay that joins the
// tabs of a room.
//
//	chainplay -addr 127.0.0.1:8080 -data ./data
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chainplay", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve on (\":8080\" serves a classroom LAN)")
	data := fs.String("data", "data", "data directory for the rooms' chains")
	origins := fs.String("origins", "", "comma-separated extra origins allowed to open the relay websocket (default: same host only)")
	difficulty := fs.Uint64("difficulty", chain.PlaygroundParams.Difficulty, "initial difficulty of new rooms (expected hashes per block)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	rcfg := relay.DefaultConfig()
	if *origins != "" {
		rcfg.OriginPatterns = strings.Split(*origins, ",")
	}
	params := chain.PlaygroundParams
	params.Difficulty = *difficulty
	srv, err := newServer(serverConfig{Params: params, Relay: rcfg})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", *addr)
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
	if strings.HasPrefix(*addr, ":") {
		host = "127.0.0.1" + host[strings.LastIndex(host, ":"):]
	}
	fmt.Printf("Chainplay is running: open http://%s/ (Ctrl-C to stop)\n", host)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("Shutting down…")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Close()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
