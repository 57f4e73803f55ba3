//go:build !js

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// TestCreateStakeRooms: engines pos and dpos give rooms whose genesis
// validators' public keys are in the parameters and whose private keys
// the teacher gets once; bad requests are refused and change nothing.
func TestCreateStakeRooms(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	got := ts.createRoom(t, "pos-lab", map[string]any{"engine": "pos", "validators": 3, "genesis_stake": 500})
	p := got.Params
	require.Equal(t, chain.EnginePoS, p.Engine)
	require.Equal(t, uint64(500), p.GenesisStake)
	require.Equal(t, uint64(defaultEpochSlots), p.EpochSlots)
	require.LessOrEqual(t, p.MaxFutureDriftMs, p.BlockTimeMs)
	keys, err := p.ValidatorKeys()
	require.NoError(t, err)
	require.Len(t, got.ValidatorKeys, 3)
	for i, seed := range got.ValidatorKeys {
		k, err := chain.KeyFromSeedHex(seed)
		require.NoError(t, err)
		require.True(t, keys[i].Equal(k.Public()), "validator %d", i)
	}
	require.Equal(t, chain.GenesisBlock(p).Hash(), got.Genesis)
	info := ts.room(t, "pos-lab")
	raw, err := json.Marshal(info)
	require.NoError(t, err)
	require.NotContains(t, string(raw), got.ValidatorKeys[0], "the validator keys are shown once")

	d := ts.createRoom(t, "dpos-lab", map[string]any{"engine": "dpos", "delegates": 3})
	require.Equal(t, chain.EngineDPoS, d.Params.Engine)
	require.Equal(t, 3, d.Params.Delegates)
	require.Len(t, d.ValidatorKeys, 7, "2N+1 stakeholders: those who don't produce can outvote a lazy delegate")
	require.Len(t, ts.createRoom(t, "pos-default", map[string]any{"engine": "pos"}).ValidatorKeys, defaultPoSValidators)

	for _, body := range []string{
		`{"name":"s1","engine":"pos","validators":11}`,
		`{"name":"s2","engine":"pos","delegates":3}`,
		`{"name":"s3","engine":"dpos","epoch_slots":4}`,
		`{"name":"s4","engine":"dpos","delegates":22}`,
		`{"name":"s5","validators":2}`,
		`{"name":"s6","engine":"pos","genesis_stake":0}`,
		`{"name":"s7","engine":"pos","difficulty":64}`,
	} {
		status, e := ts.callError(t, "POST", "/api/rooms", "", body, nil)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Equal(t, httpjson.CodeBadParams, e.Code, body)
	}
	require.False(t, ts.room(t, "s1").Created)
}

// TestStakeFaultControl: in a stake room the teacher's fault control
// names a genesis validator by its index: double-sign and crash are its
// faults, "" makes it honest; another fault or index changes nothing.
func TestStakeFaultControl(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	created := ts.createRoom(t, "pos-fault", map[string]any{"engine": "pos", "validators": 3})
	teacher := bearerOf(created.TeacherToken)
	ts.joinNative(t, "pos-fault", "native")
	require.Eventually(t, func() bool { n, _ := ts.archives.Node("pos-fault"); return n != nil }, wait, 10*time.Millisecond)

	var out controlResponse
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/pos-fault/control", teacher, map[string]any{"op": "fault", "seat": 1, "fault": "double-sign"}, &out))
	require.Equal(t, map[int]string{1: node.FaultDoubleSign}, out.Control.State.Faults)
	for _, body := range []map[string]any{
		{"op": "fault", "seat": 3, "fault": "crash"},
		{"op": "fault", "fault": "crash"},
		{"op": "fault", "seat": 0, "fault": "equivocate"},
	} {
		status, e := ts.callError(t, "POST", "/api/rooms/pos-fault/control", teacher, body, nil)
		require.Equal(t, http.StatusBadRequest, status, "%v", body)
		require.Equal(t, httpjson.CodeBadControl, e.Code)
	}
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/pos-fault/control", teacher, map[string]any{"op": "fault", "seat": 2, "fault": "crash"}, &out))
	require.Equal(t, map[int]string{1: node.FaultDoubleSign, 2: node.FaultCrash}, out.Control.State.Faults, "the refused ones changed nothing")
	out = controlResponse{} // json.Unmarshal would merge into the map
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/pos-fault/control", teacher, map[string]any{"op": "fault", "seat": 1, "fault": ""}, &out))
	require.Equal(t, map[int]string{2: node.FaultCrash}, out.Control.State.Faults)
}

// TestBoardComparesTheEngines: the board of any room carries the class's
// rooms measured side by side: here a proof-of-work room where a native
// peer mined and a PoS room where a native validator signed, each in its
// engine's place, with blocks, a finality and the hashes a block costs.
func TestBoardComparesTheEngines(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	ts.createRoom(t, "work", nil)
	created := ts.createRoom(t, "stake", map[string]any{"engine": "pos", "validators": 1, "block_time_ms": 1000})
	miner := ts.joinNative(t, "work", "miner")
	miner.mine(t, 3)
	key, err := chain.KeyFromSeedHex(created.ValidatorKeys[0])
	require.NoError(t, err)
	v := ts.joinNativeKey(t, "stake", "Vera", key)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = v.ValidatorLoop(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool { return v.Chain().Tip().Height >= 3 }, 30*time.Second, 50*time.Millisecond, "the validator signed nothing")
	ts.waitArchive(t, "work", 3, miner.Chain().Tip().Hash)

	var b struct {
		Engines []view.EngineFigures `json:"engines"`
	}
	require.Eventually(t, func() bool {
		require.Equal(t, http.StatusOK, ts.call(t, "GET", "/api/rooms/stake/board", "", nil, &b))
		return len(b.Engines) == 2 && b.Engines[1].Blocks >= 2
	}, 30*time.Second, 100*time.Millisecond, "the board does not compare both rooms: %+v", b.Engines)
	pow, pos := b.Engines[0], b.Engines[1]
	require.Equal(t, "", pow.Engine)
	require.Equal(t, "work", pow.Room)
	require.Equal(t, view.PowerHash, pow.Power)
	require.Positive(t, pow.HashesPerBlock)
	require.Equal(t, 6, pow.FinalBlocks)
	require.Equal(t, chain.EnginePoS, pos.Engine)
	require.Equal(t, "stake", pos.Room)
	require.Zero(t, pos.HashesPerBlock, "nothing is mined")
	require.Equal(t, 1, pos.Participants)
	require.InDelta(t, 0, pos.Gap, 1e-9, "the one validator signs every block")
	require.Positive(t, pos.BlocksPerMin)
}
