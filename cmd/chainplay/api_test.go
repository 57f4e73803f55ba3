//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/internal/httpjson"
)

func TestCreateRoom(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	ts := startServer(t, t.TempDir(), func(c *serverConfig) { c.Clock = nodetest.NewFakeClock(now) })

	got := ts.createRoom(t, "class-7b", map[string]any{"difficulty": 64, "block_time_ms": 5000, "subsidy": 25})
	want := chain.TestParams
	want.Name, want.GenesisTime = "class-7b", now.UnixMilli()
	want.Difficulty, want.BlockTimeMs, want.Subsidy = 64, 5000, 25
	require.Equal(t, want, got.Params)
	require.Equal(t, chain.GenesisBlock(want).Hash(), got.Genesis)
	require.True(t, got.Created)
	require.Equal(t, uint64(0), got.Epoch)
	require.Len(t, got.TeacherToken, 43, "32 random bytes, base64url")

	info := ts.room(t, "class-7b")
	require.Equal(t, got.roomInfo, info)
	raw, err := json.Marshal(info)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "token", "the token is shown once, never again")

	// The page hands the same parameters to its tab.
	conf, err := ts.roomConfig(context.Background(), "class-7b")
	require.NoError(t, err)
	require.Len(t, got.ControlKey, 64, "the room's control key, hex")
	require.JSONEq(t, `{"room":"class-7b","epoch":0,"control_key":"`+got.ControlKey+`","params":`+string(want.CanonicalJSON())+`}`, string(conf))
	require.NotContains(t, string(raw), "control_seed", "the control key's seed stays on the server")

	// A room never created gets the defaults named after it, and no teacher.
	def := ts.room(t, "opened-by-url")
	p := chain.TestParams
	p.Name = "opened-by-url"
	require.Equal(t, p, def.Params)
	require.False(t, def.Created)
	require.Empty(t, def.ControlKey, "no teacher, no controls")
	require.Equal(t, []peerInfo{}, def.Peers)
}

func TestCreateRoomRefusesBadInput(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	ts.createRoom(t, "taken", nil)

	for _, tc := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"no body", ``, http.StatusBadRequest, httpjson.CodeEmptyBody, ""},
		{"unknown preset", `{"name":"x0","preset":"mainnet"}`, http.StatusBadRequest, httpjson.CodeBadParams, "preset"},
		{"bad name", `{"name":"Class 7B"}`, http.StatusBadRequest, httpjson.CodeBadRoomName, "name"},
		{"long name", `{"name":"` + strings.Repeat("a", 33) + `"}`, http.StatusBadRequest, httpjson.CodeBadRoomName, "name"},
		{"not JSON", `name=x`, http.StatusBadRequest, httpjson.CodeBadJSON, ""},
		{"unknown field", `{"name":"x1","difficulty":4,"colour":"red"}`, http.StatusBadRequest, httpjson.CodeUnknownField, "colour"},
		{"two objects", `{"name":"x2"}{"name":"x3"}`, http.StatusBadRequest, httpjson.CodeBadJSON, ""},
		{"wrong type", `{"name":"x4","difficulty":"high"}`, http.StatusBadRequest, httpjson.CodeWrongType, "difficulty"},
		{"negative", `{"name":"x5","subsidy":-1}`, http.StatusBadRequest, httpjson.CodeWrongType, "subsidy"},
		{"zero difficulty", `{"name":"x6","difficulty":0}`, http.StatusBadRequest, httpjson.CodeBadParams, ""},
		{"zero block time", `{"name":"x7","block_time_ms":0}`, http.StatusBadRequest, httpjson.CodeBadParams, ""},
		{"too many txs", `{"name":"x8","max_block_txs":1000000}`, http.StatusBadRequest, httpjson.CodeBadParams, ""},
		{"block larger than a relay frame", `{"name":"x9","max_block_txs":5000}`, http.StatusBadRequest, httpjson.CodeBadParams, ""},
		{"too large", `{"name":"x9","pad":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge, httpjson.CodeBodyTooLarge, ""},
		{"exists", `{"name":"taken","difficulty":8}`, http.StatusConflict, httpjson.CodeRoomExists, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := ts.callError(t, "POST", "/api/rooms", "", tc.body, nil)
			require.Equal(t, tc.status, status, e.Error)
			require.Equal(t, tc.code, e.Code, e.Error)
			require.Equal(t, tc.field, e.Field)
			require.Empty(t, e.Rule, "no consensus rule here")
		})
	}
	for _, room := range []string{"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"} {
		require.False(t, ts.room(t, room).Created, "a refused request created %s", room)
	}
	require.Equal(t, chain.TestParams.Difficulty, ts.room(t, "taken").Params.Difficulty, "a refused request changed a room")
	status, e := ts.callError(t, "GET", "/api/rooms/Bad!", "", nil, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, httpjson.CodeBadRoomName, e.Code)
}

// Unknown paths and wrong methods under /api/ answer JSON, with the
// right Allow header.
func TestRoomAPIRouting(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/nothing", http.StatusNotFound, httpjson.CodeNotFound, ""},
		{"GET", "/api/", http.StatusNotFound, httpjson.CodeNotFound, ""},
		{"GET", "/api/rooms/class/reset/more", http.StatusNotFound, httpjson.CodeNotFound, ""},
		{"GET", "/api/rooms", http.StatusMethodNotAllowed, httpjson.CodeMethodNotAllowed, "POST"},
		{"DELETE", "/api/rooms/class", http.StatusMethodNotAllowed, httpjson.CodeMethodNotAllowed, "GET, HEAD"},
		{"GET", "/api/rooms/class/kick", http.StatusMethodNotAllowed, httpjson.CodeMethodNotAllowed, "POST"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.http.URL+tc.path, nil)
			require.NoError(t, err)
			resp, err := ts.http.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, tc.allow, resp.Header.Get("Allow"))
			status, e := ts.callError(t, tc.method, tc.path, "", nil, nil)
			require.Equal(t, tc.status, status)
			require.Equal(t, tc.code, e.Code)
		})
	}
}

// A failure of the server answers 500 "internal" and nothing more; the
// log has the cause.
func TestRoomAPIInternalError(t *testing.T) {
	var log bytes.Buffer
	var mu sync.Mutex
	ts := startServer(t, t.TempDir(), func(c *serverConfig) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &log, mu: &mu}, nil))
	})
	ts.createRoom(t, "class", nil)
	ts.reg.close() // the registry fails from here on

	for _, path := range []string{"/api/rooms/class", "/ws/class?epoch=0"} {
		status, e := ts.callError(t, "GET", path, "", nil, nil)
		require.Equal(t, http.StatusInternalServerError, status, path)
		require.Equal(t, httpjson.ErrorBody{Error: "internal error", Code: httpjson.CodeInternal}, e)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, log.String(), "database not open", "the cause is logged")
	require.Contains(t, log.String(), "/api/rooms/class")
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// Every admin action is refused without the room's teacher token, and a
// refused request changes nothing.
func TestAdminActionsNeedTheTeacherToken(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	class := ts.createRoom(t, "class", nil)
	other := ts.createRoom(t, "other", nil)
	student := ts.joinNative(t, "class", "student")
	require.Eventually(t, func() bool { return len(ts.room(t, "class").Peers) == 2 }, wait, 10*time.Millisecond)

	actions := []struct {
		name string
		body any
	}{
		{"reset", nil},
		{"genesis", map[string]any{"difficulty": 8}},
		{"kick", map[string]any{"peer": "p1"}},
		{"language", map[string]any{"lang": "zh-CN"}},
	}
	auths := []struct {
		name, header string
		status       int
		code         string
	}{
		{"no token", "", http.StatusUnauthorized, httpjson.CodeUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized, httpjson.CodeUnauthorized},
		{"other scheme", "Basic " + class.TeacherToken, http.StatusUnauthorized, httpjson.CodeUnauthorized},
		{"wrong token", bearerOf(flipFirst(class.TeacherToken)), http.StatusForbidden, httpjson.CodeForbidden},
		{"other room's token", bearerOf(other.TeacherToken), http.StatusForbidden, httpjson.CodeForbidden},
	}
	for _, a := range actions {
		for _, au := range auths {
			t.Run(a.name+"/"+au.name, func(t *testing.T) {
				status, e := ts.callError(t, "POST", "/api/rooms/class/"+a.name, au.header, a.body, nil)
				require.Equal(t, au.status, status)
				require.Equal(t, au.code, e.Code)
			})
		}
		t.Run(a.name+"/room without a teacher", func(t *testing.T) {
			status, e := ts.callError(t, "POST", "/api/rooms/opened-by-url/"+a.name, bearerOf(class.TeacherToken), a.body, nil)
			require.Equal(t, http.StatusForbidden, status)
			require.Equal(t, httpjson.CodeForbidden, e.Code)
		})
	}
	info := ts.room(t, "class")
	require.Equal(t, class.Params, info.Params)
	require.Equal(t, uint64(0), info.Epoch)
	require.Len(t, info.Peers, 2, "nobody was kicked")
	select {
	case <-student.done:
		t.Fatal("the student was disconnected")
	default:
	}

	// With the token: bad input is still refused and changes nothing.
	tok := bearerOf(class.TeacherToken)
	for _, tc := range []struct {
		action string
		body   any
		status int
		code   string
	}{
		{"genesis", `{"difficulty":0}`, http.StatusBadRequest, httpjson.CodeBadParams},
		{"genesis", `{"name":"renamed"}`, http.StatusBadRequest, httpjson.CodeUnknownField},
		{"reset", `{"epoch":7}`, http.StatusBadRequest, httpjson.CodeUnknownField},
		{"kick", ``, http.StatusBadRequest, httpjson.CodeEmptyBody},
		{"kick", `{}`, http.StatusBadRequest, httpjson.CodeMissingField},
		{"kick", `{"peer":"p999"}`, http.StatusNotFound, httpjson.CodeUnknownPeer},
		{"kick", map[string]string{"peer": ts.archives.Status("class").ID}, http.StatusBadRequest, httpjson.CodeArchiveNotKickable},
	} {
		status, e := ts.callError(t, "POST", "/api/rooms/class/"+tc.action, tok, tc.body, nil)
		require.Equal(t, tc.status, status, "%s %v: %s", tc.action, tc.body, e.Error)
		require.Equal(t, tc.code, e.Code, "%s %v: %s", tc.action, tc.body, e.Error)
	}
	require.Equal(t, class.roomInfo.Genesis, ts.room(t, "class").Genesis)
	require.Equal(t, uint64(0), ts.room(t, "class").Epoch)

	// And the right token works: kick the student.
	var kicked kickResponse
	id := ""
	for _, p := range ts.room(t, "class").Peers {
		if !p.Archive {
			id = p.ID
		}
	}
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/class/kick", tok, map[string]string{"peer": id}, &kicked))
	require.Equal(t, kickResponse{Kicked: id, Banned: true}, kicked)
	select {
	case <-student.done:
	case <-time.After(wait):
		t.Fatal("the kicked student is still connected")
	}
}

func TestTokenMatches(t *testing.T) {
	token, hash, err := newToken()
	require.NoError(t, err)
	require.True(t, tokenMatches(token, hash))
	require.False(t, tokenMatches(token+"x", hash))
	require.False(t, tokenMatches("", hash))
	require.False(t, tokenMatches(token, nil), "a room without a teacher matches nothing")
	require.False(t, tokenMatches(token, hash[:31]))
}

// Reset wipes the archive's chain and keeps the genesis; a new genesis
// changes the parameters. Both kick everyone, and tabs loaded before are
// refused by the relay.
func TestResetAndNewGenesis(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	class := ts.createRoom(t, "class", nil)
	tok := bearerOf(class.TeacherToken)
	a := ts.joinNative(t, "class", "a")
	a.mine(t, 3)
	ts.waitArchive(t, "class", 3, a.Chain().Tip().Hash)

	var info roomInfo
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/class/reset", tok, nil, &info))
	require.Equal(t, uint64(1), info.Epoch)
	same := class.Params
	same.Epoch = 1
	require.Equal(t, same, info.Params, "the same parameters in a new epoch…")
	require.NotEqual(t, class.roomInfo.Genesis, info.Genesis, "…so a new genesis: the old chain can't come back")
	require.Equal(t, chain.GenesisBlock(info.Params).Hash(), info.Genesis)
	select {
	case <-a.done:
	case <-time.After(wait):
		t.Fatal("reset did not kick the peers")
	}

	// A tab of the old epoch is refused; the current epoch and native
	// nodes (no epoch) get in.
	dial := func(query string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, ts.ws+"/ws/class"+query, nil)
		if err != nil {
			return resp.StatusCode, err
		}
		c.CloseNow()
		return http.StatusSwitchingProtocols, nil
	}
	code, _ := dial("?epoch=0&name=old")
	require.Equal(t, http.StatusConflict, code)
	status, e := ts.callError(t, "GET", "/ws/class?epoch=0", "", nil, nil)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, httpjson.CodeStaleEpoch, e.Code)
	code, err := dial("?epoch=1&name=new")
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, code)

	b := ts.joinNative(t, "class", "b")
	ts.waitArchive(t, "class", 0, info.Genesis)
	require.Equal(t, uint64(0), b.Chain().Tip().Height)
	conf, err := ts.roomConfig(context.Background(), "class")
	require.NoError(t, err)
	require.Contains(t, string(conf), `"epoch":1`)

	// New genesis: new parameters, new chain id, epoch 2.
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/class/genesis", tok, map[string]any{"difficulty": 4, "subsidy": 7}, &info))
	require.Equal(t, uint64(2), info.Epoch)
	require.Equal(t, uint64(4), info.Params.Difficulty)
	require.Equal(t, uint64(7), info.Params.Subsidy)
	require.Equal(t, class.Params.BlockTimeMs, info.Params.BlockTimeMs, "parameters not given are kept")
	require.NotEqual(t, class.roomInfo.Genesis, info.Genesis)
	require.Equal(t, chain.GenesisBlock(info.Params).Hash(), info.Genesis)
	c := ts.joinNative(t, "class", "c")
	require.Equal(t, info.Genesis, c.Chain().ID())
	c.mine(t, 2)
	ts.waitArchive(t, "class", 2, c.Chain().Tip().Hash)
}

// flipFirst returns token with its first character changed.
func flipFirst(token string) string {
	if token[0] == 'A' {
		return "B" + token[1:]
	}
	return "A" + token[1:]
}

// TestCreateRoomFromAPreset: a room without a name gets a fresh code of
// codeAlphabet; a preset sets the parameters, which the request's own
// change; the answer has the students' address; GET /api/presets lists
// the lobby's presets.
func TestCreateRoomFromAPreset(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	var out createdRoom
	require.Equal(t, http.StatusCreated, ts.call(t, "POST", "/api/rooms", "", map[string]any{"preset": "quick-demo", "subsidy": 7}, &out))
	require.Len(t, out.Room, 5)
	for _, r := range out.Room {
		require.Contains(t, codeAlphabet, string(r))
	}
	want, ok := presetParams("quick-demo", chain.TestParams)
	require.True(t, ok)
	require.Equal(t, want.Difficulty, out.Params.Difficulty)
	require.Equal(t, want.BlockTimeMs, out.Params.BlockTimeMs)
	require.Equal(t, uint64(7), out.Params.Subsidy, "the request's own change wins")
	require.Equal(t, out.Room, out.Params.Name)
	require.Equal(t, ts.http.URL+"/r/"+out.Room, out.URL)
	require.True(t, ts.room(t, out.Room).Created)

	var other createdRoom
	require.Equal(t, http.StatusCreated, ts.call(t, "POST", "/api/rooms", "", map[string]any{}, &other))
	require.NotEqual(t, out.Room, other.Room, "every room gets a code of its own")
	require.Equal(t, chain.TestParams.Difficulty, other.Params.Difficulty, "the classroom preset is the server's default")

	var list []presetInfo
	require.Equal(t, http.StatusOK, ts.call(t, "GET", "/api/presets", "", nil, &list))
	require.Len(t, list, len(presets))
	require.Equal(t, "quick-demo", list[0].ID)
	require.Equal(t, presetClassroom, list[1].ID)
	require.Equal(t, chain.TestParams, list[1].Params)
}

// TestRoomURLForStudents: behind a loopback address the room's address
// names the LAN host, which students can open.
func TestRoomURLForStudents(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *serverConfig) { c.LANHost = "192.168.1.20:8080" })
	var out createdRoom
	require.Equal(t, http.StatusCreated, ts.call(t, "POST", "/api/rooms", "", map[string]any{"name": "lan"}, &out))
	require.Equal(t, "http://192.168.1.20:8080/r/lan", out.URL)
	for host, loop := range map[string]bool{"127.0.0.1:80": true, "localhost:8080": true, "[::1]:80": true, "localhost": true,
		"10.0.0.2:8080": false, "class.example:80": false} {
		require.Equal(t, loop, isLoopback(host), host)
	}
	resp, err := ts.http.Client().Get(ts.http.URL + "/r/lan/qr.svg")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/svg+xml", resp.Header.Get("Content-Type"))
}

// TestCreatePBFTRoom: engine pbft gives a room of n seats whose public
// keys are in the parameters (so in the genesis) and whose private keys
// the teacher gets once; bad seat counts are refused.
func TestCreatePBFTRoom(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	got := ts.createRoom(t, "pbft-lab", map[string]any{"engine": "pbft", "seats": 7, "checkpoint_interval": 5})
	p := got.Params
	require.Equal(t, chain.EnginePBFT, p.Engine)
	require.Equal(t, uint64(5), p.CheckpointInterval)
	require.Equal(t, uint64(1), p.Difficulty)
	keys, err := p.SeatKeys()
	require.NoError(t, err)
	require.Len(t, keys, 7)
	require.Len(t, got.SeatKeys, 7)
	for i, seed := range got.SeatKeys {
		k, err := chain.KeyFromSeedHex(seed)
		require.NoError(t, err)
		require.True(t, keys[i].Equal(k.Public()), "seat %d", i)
	}
	require.Equal(t, chain.GenesisBlock(p).Hash(), got.Genesis)
	info := ts.room(t, "pbft-lab")
	raw, err := json.Marshal(info)
	require.NoError(t, err)
	require.NotContains(t, string(raw), got.SeatKeys[0], "the seat keys are shown once")
	require.Equal(t, p, info.Params)

	def := ts.createRoom(t, "pbft-default", map[string]any{"engine": "pbft", "seats": 4})
	require.Equal(t, uint64(defaultCheckpointInterval), def.Params.CheckpointInterval)

	for _, body := range []string{
		`{"name":"p1","engine":"pbft","seats":5}`,
		`{"name":"p2","engine":"pbft"}`,
		`{"name":"p3","engine":"pos","seats":4}`,
		`{"name":"p4","seats":4}`,
		`{"name":"p5","engine":"pbft","seats":4,"checkpoint_interval":0}`,
		`{"name":"p6","engine":"pbft","seats":4,"difficulty":64}`,
	} {
		status, e := ts.callError(t, "POST", "/api/rooms", "", body, nil)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Equal(t, httpjson.CodeBadParams, e.Code, body)
	}
	require.False(t, ts.room(t, "p1").Created)
}
