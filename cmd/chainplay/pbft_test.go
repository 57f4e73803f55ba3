//go:build !js

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// TestFaultControl: the teacher switches a replica's fault; the control
// names it in the signed state; slow delays the frames of the peer that
// holds the seat (known once it spoke) and is lifted by the next fault;
// a bad seat or fault, a proof-of-work room or a student's request
// changes nothing.
func TestFaultControl(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	created := ts.createRoom(t, "bft", map[string]any{"engine": "pbft", "seats": 4})
	pow := ts.createRoom(t, "pow", nil)
	teacher := bearerOf(created.TeacherToken)
	native := ts.joinNative(t, "bft", "native")
	require.Eventually(t, func() bool { n, _ := ts.archives.Node("bft"); return n != nil }, wait, 10*time.Millisecond)

	var out controlResponse
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/bft/control", teacher, map[string]any{"op": "fault", "seat": 2, "fault": "equivocate"}, &out))
	require.Equal(t, map[int]string{2: node.FaultEquivocate}, out.Control.State.Faults)

	status, e := ts.callError(t, "POST", "/api/rooms/bft/control", teacher, map[string]any{"op": "fault", "seat": 1, "fault": "slow"}, nil)
	require.Equal(t, http.StatusConflict, status, "seat 1 has not spoken: no peer to slow down")
	require.Equal(t, httpjson.CodeUnknownPeer, e.Code)

	// Seat 1 speaks (a view change of its own, with no transactions).
	key, err := chain.KeyFromSeedHex(created.SeatKeys[1])
	require.NoError(t, err)
	seat, err := native.TakeSeat(node.SeatConfig{Key: key, ViewTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = seat.Run(ctx) }()
	defer func() { cancel(); <-done }()
	_, err = native.Post("reader", "wake up")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, _ := ts.archives.Node("bft")
		tr, _ := n.PBFTTrace()
		return tr.Seats[1].Peer != ""
	}, wait, 10*time.Millisecond, "the archive never heard seat 1")
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/bft/control", teacher, map[string]any{"op": "fault", "seat": 1, "fault": "slow", "ms": 700}, &out))
	_, peers := ts.relay.Latency("bft")
	require.Equal(t, 700*time.Millisecond, peers[native.Self()])
	require.Equal(t, int64(700), out.Control.State.PeerLatencyMs[native.Self()])
	out = controlResponse{} // json would merge into the maps of the last answer
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/bft/control", teacher, map[string]any{"op": "fault", "seat": 1, "fault": ""}, &out))
	_, peers = ts.relay.Latency("bft")
	require.Zero(t, peers[native.Self()], "honest again: no latency")
	require.Equal(t, map[int]string{2: node.FaultEquivocate}, out.Control.State.Faults)

	for _, body := range []map[string]any{
		{"op": "fault", "seat": 4, "fault": "crash"},
		{"op": "fault", "fault": "crash"},
		{"op": "fault", "seat": 0, "fault": "lazy"},
	} {
		status, e := ts.callError(t, "POST", "/api/rooms/bft/control", teacher, body, nil)
		require.Equal(t, http.StatusBadRequest, status, "%v", body)
		require.Equal(t, httpjson.CodeBadControl, e.Code)
	}
	status, _ = ts.callError(t, "POST", "/api/rooms/bft/control", "", map[string]any{"op": "fault", "seat": 0, "fault": "crash"}, nil)
	require.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "a student can't switch faults")
	ts.joinNative(t, "pow", "miner")
	require.Eventually(t, func() bool { n, _ := ts.archives.Node("pow"); return n != nil }, wait, 10*time.Millisecond)
	status, _ = ts.callError(t, "POST", "/api/rooms/pow/control", bearerOf(pow.TeacherToken), map[string]any{"op": "fault", "seat": 0, "fault": "crash"}, nil)
	require.Equal(t, http.StatusBadRequest, status, "no replicas in a proof-of-work room")

	// The board of the PBFT room compares it with proof of work.
	var b struct {
		PBFT *struct{ Seats int } `json:"pbft"`
		PoW  *struct{ Hashes float64 }
	}
	require.Equal(t, http.StatusOK, ts.call(t, "GET", "/api/rooms/bft/board", "", nil, &b))
	require.Equal(t, 4, b.PBFT.Seats)
	require.Positive(t, b.PoW.Hashes)
}

// TestSeatLink: POST /r/{room}/link draws a seat link (the key in the
// fragment) and its QR code; anything but a seat key is refused.
func TestSeatLink(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	frag := "seat=" + strings.Repeat("ab", 32)
	resp, err := ts.http.Client().Post(ts.http.URL+"/r/bft/link", "application/json", strings.NewReader(`{"fragment":"`+frag+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got struct{ URL, SVG string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.True(t, strings.HasSuffix(got.URL, "/r/bft#"+frag), got.URL)
	require.Contains(t, got.SVG, "<svg")
	for _, body := range []string{`{"fragment":"seat=xyz"}`, `{"fragment":"<script>"}`, `not json`} {
		r, err := ts.http.Client().Post(ts.http.URL+"/r/bft/link", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		r.Body.Close()
		require.Equal(t, http.StatusBadRequest, r.StatusCode, body)
	}
}
