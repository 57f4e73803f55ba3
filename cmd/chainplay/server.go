package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/web"
)

// serverConfig is what the HTTP side of the binary needs.
type serverConfig struct {
	// Params are the consensus parameters a new room starts with; the
	// room's name replaces Params.Name.
	Params chain.Params
	// Relay configures the websocket relay.
	Relay relay.Config
}

// roomConfig is the JSON a room page hands to its in-tab node.
type roomConfig struct {
	Room   string       `json:"room"`
	Params chain.Params `json:"params"`
}

// server is the binary's HTTP surface: pages, assets and the relay.
type server struct {
	http.Handler
	relay *relay.Server
}

// newServer wires the pages and the relay into one handler:
// /ws/{room} is the relay, everything else the web package.
func newServer(cfg serverConfig) (*server, error) {
	rs, err := relay.New(cfg.Relay)
	if err != nil {
		return nil, err
	}
	pages, err := web.NewHandler(web.Config{
		RoomConfig: func(_ context.Context, room string) ([]byte, error) {
			p := cfg.Params
			p.Name = room
			if err := p.Validate(); err != nil {
				return nil, fmt.Errorf("room %q: %w", room, err)
			}
			return json.Marshal(roomConfig{Room: room, Params: p})
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	mux.Handle("/", pages)
	return &server{Handler: mux, relay: rs}, nil
}

// Close ends every relay connection.
func (s *server) Close() { s.relay.Close() }
