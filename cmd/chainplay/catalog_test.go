//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/web"
)

// catalogCodes is what web/static/catalog.js must have words for.
type catalogCodes struct {
	Rules   []string            `json:"rules"`   // chain's rule codes and the node's error codes
	Kinds   map[string][]string `json:"kinds"`   // event kind → its codes
	Reasons []string            `json:"reasons"` // the relay's codes and the node's disconnect and retry reasons
}

func wantedCodes() catalogCodes {
	var c catalogCodes
	for _, r := range chain.Rules {
		c.Rules = append(c.Rules, r.Code())
	}
	c.Rules = append(c.Rules, node.ErrorCodes()...)
	c.Kinds = map[string][]string{}
	for _, k := range node.EventKinds() {
		c.Kinds[string(k)] = node.EventCodes()[k]
	}
	// The tab's own log lines (tamper mode, its storage, its key).
	c.Kinds[string(node.EventStatus)] = append(c.Kinds[string(node.EventStatus)], view.StatusCodes()...)
	c.Reasons = append(append(relay.Codes(), node.DisconnectReasons()...), node.RetryReasons()...)
	return c
}

func readCatalog(t *testing.T) []byte {
	t.Helper()
	src, err := fs.ReadFile(web.StaticFS, "catalog.js")
	require.NoError(t, err)
	return src
}

// TestCatalogHasEveryCode: catalog.js has an entry for every rule code,
// node code and relay code, so adding one without words fails here. It
// reads the source (no JavaScript engine needed): every entry is a quoted
// key, `"high-hash": …`.
func TestCatalogHasEveryCode(t *testing.T) {
	src := readCatalog(t)
	has := func(key string) bool {
		return regexp.MustCompile(`"` + regexp.QuoteMeta(key) + `"\s*:`).Match(src)
	}
	c := wantedCodes()
	for _, code := range c.Rules {
		require.True(t, has(code), "catalog.js has no words for rule %q", code)
	}
	for kind, codes := range c.Kinds {
		require.True(t, has(kind), "catalog.js has no words for event kind %q", kind)
		for _, code := range codes {
			require.True(t, has(code), "catalog.js has no words for %s code %q", kind, code)
		}
	}
	for _, r := range c.Reasons {
		require.True(t, has(r), "catalog.js has no words for reason %q", r)
	}
	for _, code := range view.TamperRefusals() {
		require.True(t, has("tamperError."+code), "catalog.js has no words for the tamper refusal %q", code)
	}
}

// catalogScript loads catalog.js and answers, as JSON: which wanted codes
// a table lacks, the sentence of every sample event, and the sentence of
// one made-up event per entry (every template runs once).
const catalogScript = `
const { catalogs, explain } = await import(process.env.CATALOG_URL);
const input = JSON.parse(process.env.CATALOG_INPUT);
const out = { missing: [], samples: [], all: [] };
const hash = "ab".repeat(32);
for (const [lang, t] of Object.entries(catalogs)) {
  for (const c of input.codes.rules) if (typeof t.rules[c] !== "function") out.missing.push(lang + " rule " + c);
  for (const [k, codes] of Object.entries(input.codes.kinds)) {
    if (!t.kinds[k]) { out.missing.push(lang + " kind " + k); continue; }
    for (const c of codes || []) if (typeof t.kinds[k][c] !== "function") out.missing.push(lang + " " + k + " " + c);
  }
  for (const r of input.codes.reasons) if (typeof t.reasons[r] !== "string") out.missing.push(lang + " reason " + r);
  const base = { peer: "p3", name: "Ana", height: 7, hash, count: 2, total: 9, have: "123", want: "≤ 456" };
  for (const c of input.codes.rules) {
    out.all.push([lang, "rule " + c, explain({ ...base, kind: "rejected", code: c, what: "block" }, lang)]);
    out.all.push([lang, "rule " + c, explain({ ...base, kind: "refused", code: c, what: "transaction" }, lang)]);
  }
  for (const [k, codes] of Object.entries(input.codes.kinds)) {
    if (k === "rejected" || k === "refused") continue; // their codes are the rules, above
    for (const c of codes && codes.length ? codes : [""]) {
      const ev = { ...base, kind: k, code: c, what: "block", reason: c === "mine-failed" ? "no-nonce" : "kicked" };
      if (k === "tx") ev.tx = { id: hash, author: "Ana", to: "cd".repeat(20), amount: 3, fee: 1 };
      out.all.push([lang, k + " " + c, explain(ev, lang)]);
    }
  }
  for (const r of input.codes.reasons) {
    out.all.push([lang, "reason " + r, explain({ kind: "connection", code: "disconnected", reason: r }, lang)]);
  }
}
out.samples = input.samples.map((ev) => explain(ev));
console.log(JSON.stringify(out));
`

// TestCatalogInNode runs catalog.js in node (no browser): every table has
// every code, every template runs and says no "undefined", and sample
// events built from real rule errors read with their numbers. It skips
// without node, but fails under CI=true.
func TestCatalogInNode(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found: CI must install it")
		}
		t.Skip("node not found")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "catalog.js")
	require.NoError(t, os.WriteFile(file, readCatalog(t), 0o644))

	// A block with too little work and one with a wrong merkle root, as a
	// peer would send them, turned into the events the node emits.
	p := chaintest.Params()
	c := chaintest.New(t, p)
	chaintest.Extend(t, c, 1, chaintest.Addr(0))
	high := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(2))
	for high.Header.HasProofOfWork() {
		high.Header.Nonce++
	}
	highErr := rejection(t, c, high)
	root := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(2))
	root.Header.MerkleRoot = chain.Hash{0xde, 0xad}
	rootErr := rejection(t, c, chaintest.Solve(root))
	require.Len(t, highErr.Have, 64, "high-hash: Have is the block hash")
	require.True(t, strings.HasPrefix(highErr.Want, "≤ ") && len(highErr.Want) == len("≤ ")+64, "high-hash: Want is ≤ the target, %q", highErr.Want)
	require.Len(t, rootErr.Have, 64, "bad-merkle-root: Have is the header's root")
	blockEvent := func(b *chain.Block, re *chain.RuleError) node.Event {
		return node.Event{Kind: node.EventRejected, Code: chain.Code(re), Peer: "p3", Name: "Ana", What: "block",
			Height: b.Height(), Hash: b.Hash().String(), Have: re.Have, Want: re.Want, Text: re.Error()}
	}
	samples := []struct {
		ev   node.Event
		want []string
	}{
		{blockEvent(high, highErr), []string{
			"Rejected block #2 " + high.Hash().String()[:12] + "…", "Ana (p3)",
			"its hash " + highErr.Have[:12] + "…", "target " + strings.TrimPrefix(highErr.Want, "≤ ")[:12] + "…", "proof of work",
		}},
		{blockEvent(root, rootErr), []string{"merkle root", "dead00000000…", root.ComputeMerkleRoot().String()[:12] + "…"}},
		{node.Event{Kind: node.EventRefused, Code: "overspend", What: "transaction", Hash: high.Hash().String(), Have: "1051", Want: "≤ 1000"},
			[]string{"Did not add transaction", "1,051", "1,000"}},
		{node.Event{Kind: node.EventRejected, Code: "bad-reward", Peer: "p4", What: "block", Height: 12, Hash: high.Hash().String(), Have: "51", Want: "50"},
			[]string{"#12", "51 coins", "exactly 50"}},
		{node.Event{Kind: node.EventRejected, Code: "time-too-old", Peer: "p4", What: "block", Height: 3, Hash: high.Hash().String(),
			Have: "1700000000000", Want: "> 1700000003200"}, []string{"Nov 14, 2023, 22:13:20.000", "22:13:23.200", "3.2s earlier"}},
		{node.Event{Kind: node.EventRejected, Code: "no-such-rule", Peer: "p4", What: "hello", Have: "1", Want: "2", Text: "secret English"},
			[]string{"no-such-rule", "have 1, want 2"}},
		{node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 1200, Total: 10000}, []string{"1,200 / 10,000"}},
		{node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 1234567, Total: 9007199254740991}, []string{"1,234,567 / 9,007,199,254,740,991"}},
		{node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 12, Total: 999}, []string{"12 / 999 "}},
		{node.Event{Kind: node.EventConnection, Code: node.CodeConnDisconnected, Reason: relay.CodeRateLimited}, []string{"Disconnected", "per second"}},
		{node.Event{Kind: node.EventStatus, Code: node.CodeStatusRelay, Reason: relay.CodeFrameTooBig, Text: "Relay: read limited"},
			[]string{"relay refused", "larger"}},
		{node.Event{Kind: node.EventReorg, Count: 3, Total: 4, Height: 20, Hash: high.Hash().String()}, []string{"Reorg: 3 blocks replaced by 4", "#20"}},
		{node.Event{Kind: node.EventReorg, Count: 2, Total: 3, Back: 3, Height: 20, Hash: high.Hash().String()},
			[]string{"Reorg: 2 blocks replaced by 3; 3 transactions back in the mempool"}},
		{node.Event{Kind: node.EventMined, Code: node.CodeMinedMainChain, Height: 1, Hash: high.Hash().String()}, []string{"Mined block #1 "}},
		{node.Event{Kind: node.EventTx, Tx: &node.TxSummary{ID: high.Hash().String(), Author: "Ana", To: chaintest.Addr(1).String(), Amount: 1500, Fee: 2}},
			[]string{"Ana sends 1,500 coins", chaintest.Addr(1).Short() + "…", "fee 2"}},
		{node.Event{Kind: "miner", Text: "Worker 1 crashed"}, []string{"Worker 1 crashed"}},
	}
	evs := make([]node.Event, len(samples))
	for i, s := range samples {
		evs[i] = s.ev
	}
	input, err := json.Marshal(map[string]any{"codes": wantedCodes(), "samples": evs})
	require.NoError(t, err)

	cmd := exec.Command(nodeBin, "--input-type=module", "-e", catalogScript)
	cmd.Env = append(os.Environ(), "TZ=UTC", "CATALOG_URL=file://"+filepath.ToSlash(file), "CATALOG_INPUT="+string(input))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	var out struct {
		Missing []string    `json:"missing"`
		Samples []string    `json:"samples"`
		All     [][3]string `json:"all"`
	}
	require.NoError(t, json.Unmarshal(stdout, &out), "%s", stdout)

	require.Empty(t, out.Missing, "catalog.js lacks words")
	for _, s := range out.All {
		lang, what, sentence := s[0], s[1], s[2]
		require.NotEmpty(t, sentence, "%s %s", lang, what)
		for _, bad := range []string{"undefined", "NaN", "[object", "null", "broke the rule", "Event “", "“kicked”"} {
			require.NotContains(t, sentence, bad, "%s %s: %s", lang, what, sentence)
		}
	}
	require.Len(t, out.Samples, len(samples))
	for i, s := range samples {
		for _, want := range s.want {
			require.Contains(t, out.Samples[i], want, "sample %d (%s %s)", i, s.ev.Kind, s.ev.Code)
		}
		if s.ev.Kind != "miner" && s.ev.Text != "" {
			require.NotContains(t, out.Samples[i], s.ev.Text, "sample %d shows the English text", i)
		}
	}
}

// rejection processes b, which must break a rule, and returns the error.
func rejection(t *testing.T, c *chain.Chain, b *chain.Block) *chain.RuleError {
	t.Helper()
	_, err := c.ProcessBlock(b, chaintest.Now(c.Params()))
	var re *chain.RuleError
	require.True(t, errors.As(err, &re), "%v", err)
	return re
}

// pageWordsScript prints, as JSON, the catalog's English for every key
// it is given (null for a key it lacks or whose entry needs arguments).
const pageWordsScript = `
const { en, t } = await import(process.env.CATALOG_URL);
const keys = JSON.parse(process.env.CATALOG_KEYS);
const out = {};
for (const k of keys) out[k] = k in en.ui ? (typeof en.ui[k] === "string" ? en.ui[k] : "<function>") : null;
console.log(JSON.stringify(out));
`

// TestPageWordsAreTheCatalogs: every word the pages render carries a
// catalog key (data-msg and its attribute forms), and the English the
// templ components render is the catalog's, so the catalog is the one
// source of the words (a language is one more table); every key the
// modules look up by name (t("…")) is in the catalog.
func TestPageWordsAreTheCatalogs(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found: CI must install it")
		}
		t.Skip("node not found")
	}
	ts := startServer(t, t.TempDir(), nil)
	type use struct{ key, text, where string }
	var uses []use
	textRE := regexp.MustCompile(`<[a-z0-9]+[^>]*\sdata-msg="([^"]+)"[^>]*>([^<]*)<`)
	attrRE := regexp.MustCompile(`<[a-z0-9]+[^>]*>`)
	for _, page := range []string{"/", "/r/words", "/r/words/board"} {
		resp, err := ts.http.Client().Get(ts.http.URL + page)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		for _, m := range textRE.FindAllStringSubmatch(string(body), -1) {
			uses = append(uses, use{m[1], html.UnescapeString(m[2]), page})
		}
		for _, tag := range attrRE.FindAllString(string(body), -1) {
			for _, attr := range []string{"placeholder", "title", "aria-label", "alt"} {
				k := regexp.MustCompile(`\sdata-msg-` + attr + `="([^"]+)"`).FindStringSubmatch(tag)
				if k == nil {
					continue
				}
				v := regexp.MustCompile(`\s` + attr + `="([^"]*)"`).FindStringSubmatch(tag)
				text := ""
				if v != nil {
					text = html.UnescapeString(v[1])
				}
				uses = append(uses, use{k[1], text, page + " " + attr})
			}
		}
	}
	require.Greater(t, len(uses), 100, "the pages carry their keys")
	// The keys the modules name in full.
	callRE := regexp.MustCompile(`\bt\("([A-Za-z0-9._-]+)"`)
	ents, err := fs.ReadDir(web.StaticFS, ".")
	require.NoError(t, err)
	for _, e := range ents {
		if filepath.Ext(e.Name()) != ".js" {
			continue
		}
		src, err := fs.ReadFile(web.StaticFS, e.Name())
		require.NoError(t, err)
		for _, m := range callRE.FindAllStringSubmatch(string(src), -1) {
			uses = append(uses, use{m[1], "", e.Name()})
		}
	}
	keys := map[string]bool{}
	for _, u := range uses {
		keys[u.key] = true
	}
	var list []string
	for k := range keys {
		list = append(list, k)
	}
	raw, err := json.Marshal(list)
	require.NoError(t, err)
	dir := t.TempDir()
	file := filepath.Join(dir, "catalog.js")
	require.NoError(t, os.WriteFile(file, readCatalog(t), 0o644))
	cmd := exec.Command(nodeBin, "--input-type=module", "-e", pageWordsScript)
	cmd.Env = append(os.Environ(), "CATALOG_URL=file://"+filepath.ToSlash(file), "CATALOG_KEYS="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	var words map[string]*string
	require.NoError(t, json.Unmarshal(stdout, &words))
	for _, u := range uses {
		w := words[u.key]
		require.NotNil(t, w, "%s uses the key %q, which catalog.js lacks", u.where, u.key)
		if u.text != "" && *w != "<function>" {
			require.Equal(t, *w, u.text, "%s: the page's English for %q is not the catalog's", u.where, u.key)
		}
	}
}
