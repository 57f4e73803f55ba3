//go:build !js

package main

import (
	"bytes"
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
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// TestPBFTSeatsOverRelay: four cmd/node seats of a PBFT room over the
// real relay on loopback commit a post submitted to a fifth node, which
// has no seat and follows the committed block.
func TestPBFTSeatsOverRelay(t *testing.T) {
	p := chaintest.PBFTParams(4, 10)
	p.Name = "pbft-lab"
	room := serveRoom(t, p, relay.DefaultConfig())

	dir := t.TempDir()
	for i := range 4 {
		file := filepath.Join(dir, "seat.key")
		require.NoError(t, os.WriteFile(file, []byte(hex.EncodeToString(chaintest.SeatKey(i).Seed())+"\n"), 0o600))
		out, _ := start(t, "-http", "", "-room", room, "-name", "seat"+string(rune('0'+i)), "-seat", file)
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "PBFT seat") }, 5*time.Second, 10*time.Millisecond, "%s", out)
	}
	reader := freeAddr(t)
	out, _ := start(t, "-http", reader, "-room", room, "-name", "reader")
	body, _ := json.Marshal(map[string]string{"author": "reader", "content": "hello replicas"})
	require.Eventually(t, func() bool {
		res, err := http.Post("http://"+reader+"/new_transaction", "application/json", bytes.NewReader(body))
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusCreated
	}, 5*time.Second, 20*time.Millisecond)
	var tip node.TipResponse
	require.Eventually(t, func() bool {
		getJSON(t, "http://"+reader+"/tip", &tip)
		return tip.Height >= 1
	}, 30*time.Second, 50*time.Millisecond, "no block committed:\n%s", out)
	require.Equal(t, chain.GenesisBlock(p).Hash(), tip.Genesis)
}

func TestSeatFlags(t *testing.T) {
	for _, bad := range [][]string{
		{"-seat", "k"},
		{"-seat", "k", "-room", "ws://127.0.0.1:8080/ws/lab", "-mine"},
	} {
		_, err := parseFlags(bad)
		require.Error(t, err, "%q", bad)
	}
	_, err := readSeatKey(filepath.Join(t.TempDir(), "none"))
	require.Error(t, err)
	file := filepath.Join(t.TempDir(), "bad")
	require.NoError(t, os.WriteFile(file, []byte("not hex"), 0o600))
	_, err = readSeatKey(file)
	require.Error(t, err)
}
