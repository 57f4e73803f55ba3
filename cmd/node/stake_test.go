//go:build !js

package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/relay"
)

// TestPoSValidatorsOverRelay: two cmd/node genesis validators of a PoS
// room with 300 ms slots sign blocks over the real relay with no mining,
// and a third node without stake follows them. -mine is refused there.
func TestPoSValidatorsOverRelay(t *testing.T) {
	p := chaintest.StakeParams(chain.EnginePoS, 2)
	p.Name = "pos-lab"
	p.BlockTimeMs, p.MaxFutureDriftMs = 300, 300
	p.GenesisTime = time.Now().UnixMilli()
	room := serveRoom(t, p, relay.DefaultConfig())

	dir := t.TempDir()
	for i := range 2 {
		file := filepath.Join(dir, "v.key")
		require.NoError(t, os.WriteFile(file, []byte(hex.EncodeToString(chaintest.ValidatorKey(i).Seed())+"\n"), 0o600))
		out, _ := start(t, "-http", "", "-room", room, "-name", "v"+string(rune('0'+i)), "-validator", file)
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "stake 100") }, 5*time.Second, 10*time.Millisecond, "%s", out)
	}
	reader := freeAddr(t)
	start(t, "-http", reader, "-room", room, "-name", "reader")
	// The leader of each slot is drawn by stake, so one validator may lead
	// several slots in a row (five in a row: 1 in 16); wait until both have.
	var got struct {
		Length int           `json:"length"`
		Chain  []chain.Block `json:"chain"`
	}
	producers := map[chain.Address]bool{}
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + reader + "/chain")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		if json.NewDecoder(res.Body).Decode(&got) != nil || got.Length < 6 {
			return false
		}
		producers = map[chain.Address]bool{}
		for _, b := range got.Chain[1:] {
			if b.Header.Version != uint32(chain.VersionPoS) {
				return true // reported below
			}
			producers[chain.AddressOf(b.Seal.Producer)] = true
		}
		return len(producers) == 2
	}, 15*time.Second, 50*time.Millisecond, "the reader never saw slot blocks of both validators")
	for _, b := range got.Chain[1:] {
		require.Equal(t, uint32(chain.VersionPoS), b.Header.Version)
	}
	require.Len(t, producers, 2, "both validators led slots")

	err := run(context.Background(), []string{"-http", "", "-room", room, "-mine"}, &syncBuffer{})
	require.ErrorContains(t, err, "not mined")
}
