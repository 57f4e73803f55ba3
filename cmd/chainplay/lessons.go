//go:build !js

package main

import (
	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// The lessons the board can start (docs/lessons.md tells each one at
// length; the board shows its steps, whose words are the catalog's
// lesson.ID.step.N). Starting a lesson gives the room the lesson's
// parameters (a new genesis when they differ from the room's) and its
// controls. This list is the seam for scenarios: the attacks issue adds
// its server-run attackers as steps of lesson 6: GET /api/scenarios
// (scenario.go) lists them, each with its lesson.

// lesson is one lesson of the guide.
type lesson struct {
	id       string
	n        int          // its number in docs/lessons.md
	steps    int          // steps on the board: lesson.ID.step.0 … steps-1
	minutes  int          // how long it takes, at most 10
	params   lessonParams // the rules it needs; nil fields keep the room's
	controls node.ControlState
	// coming says which of its steps wait for a later issue (attacks).
	coming bool
}

// lessonInfo is one lesson of GET /api/lessons.
type lessonInfo struct {
	ID      string            `json:"id"`
	N       int               `json:"n"`
	Steps   int               `json:"steps"`
	Minutes int               `json:"minutes"`
	Params  chain.Params      `json:"params"` // the room's default parameters with the lesson's
	Control node.ControlState `json:"control"`
	Coming  bool              `json:"coming,omitempty"`
}

func (l lesson) info(base chain.Params) lessonInfo {
	return lessonInfo{ID: l.id, N: l.n, Steps: l.steps, Minutes: l.minutes, Params: l.params.apply(base), Control: l.controls, Coming: l.coming}
}

func u64(v uint64) *uint64 { return &v }
func i64(v int64) *int64   { return &v }

// lessons are the six lessons of docs/lessons.md, in order.
var lessons = []lesson{
	{id: "hash", n: 1, steps: 4, minutes: 8, controls: node.ControlState{Paused: true},
		params: lessonParams{Difficulty: u64(4096), RetargetInterval: u64(0)}},
	{id: "block", n: 2, steps: 4, minutes: 10,
		params: lessonParams{Difficulty: u64(1 << 18), BlockTimeMs: i64(15_000), RetargetInterval: u64(0)}},
	{id: "chain", n: 3, steps: 4, minutes: 10,
		params: lessonParams{Difficulty: u64(1 << 16), BlockTimeMs: i64(10_000), RetargetInterval: u64(0)}},
	{id: "forks", n: 4, steps: 5, minutes: 10,
		params: lessonParams{Difficulty: u64(1 << 17), BlockTimeMs: i64(10_000), RetargetInterval: u64(0)}},
	{id: "transactions", n: 5, steps: 5, minutes: 10,
		params: lessonParams{Difficulty: u64(1 << 16), BlockTimeMs: i64(10_000), RetargetInterval: u64(0), Subsidy: u64(50), HalvingInterval: u64(10)}},
	{id: "attacks", n: 6, steps: 4, minutes: 10,
		params: lessonParams{Difficulty: u64(1 << 17), BlockTimeMs: i64(10_000), RetargetInterval: u64(0)}},
}

// lessonByID returns the lesson of id.
func lessonByID(id string) (lesson, bool) {
	for _, l := range lessons {
		if l.id == id {
			return l, true
		}
	}
	return lesson{}, false
}
