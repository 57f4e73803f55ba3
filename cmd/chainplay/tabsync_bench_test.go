//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/boltstore"
	"github.com/chainplay/chainplay/relay"
)

// syncBenchParams are the rooms of the sync benchmark: 16 leading zero
// bits (difficulty 65,536), no retarget, a block every 15 s from the fixed
// playground genesis (so every block of a long chain is in the past).
func syncBenchParams(name string) chain.Params {
	p := chain.PlaygroundParams
	p.Name = name
	p.Difficulty = 1 << 16
	p.RetargetInterval = 0
	return p
}

// benchChain returns k blocks after p's genesis, mined once and kept in
// the user's cache directory (11,000 blocks of 2^16 hashes take about a
// minute on two cores): the benchmark times syncing, not mining.
func benchChain(t *testing.T, p chain.Params, k int) []*chain.Block {
	t.Helper()
	if k < 10000 { // blocks are deterministic: a shorter chain is a prefix
		return benchChain(t, p, 10000)[:k]
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "chainplay-bench", fmt.Sprintf("chain-%s-%d.json", chain.GenesisBlock(p).Hash().Short(), k))
	if data, err := os.ReadFile(path); err == nil {
		if blocks, err := chain.ParseChainJSON(data); err == nil && len(blocks) == k+1 {
			return blocks[1:]
		}
	}
	c := chaintest.New(t, p)
	miner := chaintest.Addr(1)
	blocks := make([]*chain.Block, 0, k)
	now := time.Now()
	for range k {
		parent := c.Tip().Block
		b := chaintest.NextBlock(c, parent, miner)
		_, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
		blocks = append(blocks, b)
	}
	data, err := json.Marshal(map[string]any{"length": k + 1, "chain": append([]*chain.Block{c.Genesis()}, blocks...)})
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return blocks
}

// seedArchive writes genesis + blocks into the archive store of room
// before the server starts serving it.
func seedArchive(t *testing.T, dataDir, room string, genesis *chain.Block, blocks []*chain.Block) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dataDir, "rooms"), 0o700))
	st, err := boltstore.Open(filepath.Join(dataDir, "rooms", room+".db"))
	require.NoError(t, err)
	require.NoError(t, st.PutBlocks(append([]*chain.Block{genesis}, blocks...)))
	require.NoError(t, st.Close())
}

// tabSyncJS runs before the page's scripts: it records when #tip-height
// first shows each value (__sync.at[text] = performance.now()).
const tabSyncJS = `(() => {
  const s = (globalThis.__sync = { at: {} });
  const watch = () => {
    const el = document.getElementById("tip-height");
    if (!el) return false;
    const note = () => { if (!(el.textContent in s.at)) s.at[el.textContent] = performance.now(); };
    new MutationObserver(note).observe(el, { childList: true, characterData: true, subtree: true });
    note();
    return true;
  };
  if (!watch()) document.addEventListener("DOMContentLoaded", watch);
})();`

// TestTabSyncBench is the sync benchmark (make bench): a room of k blocks
// held by the archive peer, then a fresh native node over the relay's
// websocket and a fresh Chromium tab join it; it prints how long each took
// to reach the tip, the tab's longest main-thread task while it synced,
// and the time a reload of the synced tab takes to resume.
func TestTabSyncBench(t *testing.T) {
	if os.Getenv("CHAINPLAY_BENCH") == "" {
		t.Skip("a benchmark: run it with make bench (CHAINPLAY_BENCH=1)")
	}
	requireWasm(t)
	sizes := []int{1000, 10000}
	if s := os.Getenv("CHAINPLAY_SYNC_SIZES"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			k, err := strconv.Atoi(f)
			require.NoError(t, err)
			sizes = append(sizes, k)
		}
	}
	browser := newBrowserFor(t, 30*time.Minute)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate("about:blank"))) // starts it
	for _, k := range sizes {
		room := "sync"
		p := syncBenchParams("sync")
		blocks := benchChain(t, p, k)
		dir := t.TempDir()
		seedArchive(t, dir, room, chain.GenesisBlock(p), blocks)
		ts := startServer(t, dir, func(c *serverConfig) {
			c.Params = p
			c.Relay = relay.DefaultConfig() // the real limits
		})
		want := blocks[len(blocks)-1].Hash()

		// Native: a fresh node over the relay's websocket.
		var native []time.Duration
		for range 3 {
			c, err := chain.New(chain.Config{Params: p})
			require.NoError(t, err)
			n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: "native"})
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			start := time.Now()
			tr, err := node.DialRelay(ctx, ts.ws+"/ws/"+room, "native")
			require.NoError(t, err)
			done := make(chan struct{})
			go func() { defer close(done); n.Run(ctx, tr) }()
			waitTip(t, n, want)
			native = append(native, time.Since(start))
			cancel()
			<-done
		}

		// The tab: navigation to synced.
		var tab []float64
		var longest float64
		for i := range 3 {
			// A browser context of its own: an empty IndexedDB.
			tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
			require.NoError(t, chromedp.Do(tctx, addInitScript(instrumentJS), addInitScript(tabSyncJS),
				chromedp.Navigate(ts.http.URL+"/r/"+room)))
			waitJS(t, tctx, fmt.Sprintf(`"%d" in __sync.at`, k), 3*time.Minute, "the tab never synced")
			ms := evalJS[float64](t, tctx, fmt.Sprintf(`__sync.at["%d"]`, k))
			tab = append(tab, ms)
			t.Logf("sync %5d blocks: tab %d synced after %.0f ms", k, i+1, ms)
			lt, _ := longestLongTask(t, tctx, 0)
			longest = max(longest, lt)
			if i == 2 { // a reload resumes from IndexedDB
				require.NoError(t, chromedp.Do(tctx, chromedp.Reload()))
				waitJS(t, tctx, fmt.Sprintf(`"%d" in __sync.at`, k), 3*time.Minute, "the reloaded tab never showed the tip")
				ms := evalJS[float64](t, tctx, fmt.Sprintf(`__sync.at["%d"]`, k))
				t.Logf("sync %5d blocks: reload of a synced tab shows the tip after %.0f ms", k, ms)
			}
			cancel()
		}
		sort.Slice(native, func(i, j int) bool { return native[i] < native[j] })
		sort.Float64s(tab)
		nat := native[1].Seconds() * 1000
		t.Logf("sync %5d blocks: native over the relay %.0f ms (median of 3, %.0f blocks/s); tab %.0f ms (median of %s ms), %.1f× native; longest main-thread task %.0f ms",
			k, nat, float64(k)/native[1].Seconds(), tab[1], fmtList(tab), tab[1]/nat, longest)
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
