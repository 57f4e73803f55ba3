// Package simproto is what the /sim page asks its simulator Worker
// (wasm/sim) and what it answers: a curve of chain/sim, as JSON. It runs
// on the host too, so `go test` covers it without a browser.
package simproto

import (
	"encoding/json"
	"fmt"

	"github.com/chainplay/chainplay/chain/sim"
)

// Request asks for one curve. Kind "selfish" runs Alphas at Gamma over
// Blocks blocks per point; kind "doublespend" runs Zs at Q over Trials
// races per point.
type Request struct {
	Kind   string    `json:"kind"`
	Seed   uint64    `json:"seed"`
	Gamma  float64   `json:"gamma,omitempty"`
	Alphas []float64 `json:"alphas,omitempty"`
	Blocks int       `json:"blocks,omitempty"`
	Q      float64   `json:"q,omitempty"`
	Zs     []int     `json:"zs,omitempty"`
	Trials int       `json:"trials,omitempty"`
}

// errorAnswer is the answer to a request that can't be run.
type errorAnswer struct {
	Error string `json:"error"`
}

// Answer runs the request in body and returns the curve as JSON
// (sim.SelfishCurve or sim.DoubleSpendCurve), or {"error": "…"} for a
// request that is malformed or out of chain/sim's bounds.
func Answer(body []byte) string {
	var req Request
	out, err := func() (any, error) {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("simproto: not a request: %w", err)
		}
		switch req.Kind {
		case "selfish":
			return sim.SelfishCurveOf(req.Gamma, req.Alphas, req.Blocks, req.Seed)
		case "doublespend":
			return sim.DoubleSpendCurveOf(req.Q, req.Zs, req.Trials, req.Seed)
		}
		return nil, fmt.Errorf("simproto: kind %q: want selfish or doublespend", req.Kind)
	}()
	if err != nil {
		out = errorAnswer{Error: err.Error()}
	}
	b, err := json.Marshal(out)
	if err != nil {
		b, _ = json.Marshal(errorAnswer{Error: err.Error()})
	}
	return string(b)
}
