//go:build !js

package main

import (
	"slices"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node/view"
)

// compareEngines are the engines the board compares, in its columns'
// order: proof of work, PBFT, proof of stake, delegated proof of stake.
var compareEngines = []string{"", chain.EnginePBFT, chain.EnginePoS, chain.EngineDPoS}

// engineFigures measures the class's rooms for the board of room: for
// each engine, room itself when it runs that engine, else the room of
// that engine with the most blocks measured (view.Figures) among the
// rooms whose archive runs in this process. An engine no room runs is
// left out; the board says "no room yet".
func (s *server) engineFigures(room string) []view.EngineFigures {
	s.archives.mu.Lock()
	rooms := make([]string, 0, len(s.archives.rooms))
	for r := range s.archives.rooms {
		rooms = append(rooms, r)
	}
	s.archives.mu.Unlock()
	slices.Sort(rooms)
	now := s.cfg.Clock.Now().UnixMilli()
	best := map[string]view.EngineFigures{}
	for _, r := range rooms {
		n, id := s.archives.Node(r)
		if n == nil {
			continue
		}
		f := view.Figures(n, r, map[string]bool{id: true}, now)
		if f.Blocks == 0 && r != room {
			continue
		}
		if b, ok := best[f.Engine]; !ok || r == room || (b.Room != room && f.Blocks > b.Blocks) {
			best[f.Engine] = f
		}
	}
	out := []view.EngineFigures{}
	for _, e := range compareEngines {
		if f, ok := best[e]; ok {
			out = append(out, f)
		}
	}
	return out
}
