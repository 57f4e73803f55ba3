//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"io/fs"
	"net/http"
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
	"github.com/chainplay/chainplay/web/i18n"
)

// catalogCodes is what the catalogs (web/static/i18n-LANG.json) must
// have words for.
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

// codeKeys are the catalog keys the codes need: rule.CODE, event.KIND or
// event.KIND.CODE, reason.CODE, tamperError.CODE.
func codeKeys() []string {
	c := wantedCodes()
	var keys []string
	for _, code := range c.Rules {
		keys = append(keys, "rule."+code)
	}
	for kind, codes := range c.Kinds {
		if len(codes) == 0 {
			keys = append(keys, "event."+kind)
		}
		for _, code := range codes {
			keys = append(keys, "event."+kind+"."+code)
		}
	}
	for _, r := range c.Reasons {
		keys = append(keys, "reason."+r)
	}
	for _, code := range view.TamperRefusals() {
		keys = append(keys, "tamperError."+code)
	}
	return keys
}

func languages(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := web.Languages()
	require.NoError(t, err)
	return b
}

// TestCatalogHasEveryCode: every language has words for every rule code,
// node code, event kind and relay code, so adding one without words
// fails here.
func TestCatalogHasEveryCode(t *testing.T) {
	b := languages(t)
	for _, c := range b.Languages() {
		if c.Tag == i18n.Pseudo {
			continue
		}
		for _, key := range codeKeys() {
			_, ok := c.Source(key)
			require.True(t, ok, "%s has no words for %q", c.File, key)
		}
	}
}

// copyCatalog writes catalog.js, msgformat.js and the catalog files to a
// directory, for node, and returns catalog.js's file URL.
func copyCatalog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := fs.ReadDir(web.StaticFS, ".")
	require.NoError(t, err)
	for _, e := range ents {
		n := e.Name()
		if n == "catalog.js" || n == "msgformat.js" || strings.HasPrefix(n, i18n.FilePrefix) {
			src, err := fs.ReadFile(web.StaticFS, n)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, n), src, 0o644))
		}
	}
	return "file://" + filepath.ToSlash(filepath.Join(dir, "catalog.js"))
}

// catalogPrelude loads catalog.js in node with every language installed.
const catalogPrelude = `
const cat = await import(process.env.CATALOG_URL);
const fs = await import("node:fs");
const path = await import("node:path");
const url = await import("node:url");
const dir = path.dirname(url.fileURLToPath(process.env.CATALOG_URL));
for (const f of fs.readdirSync(dir)) {
  const m = /^i18n-(.+)\.json$/.exec(f);
  if (m) cat.install(m[1], JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
}
cat.install(cat.PSEUDO);
for (const tag of Object.keys(cat.catalogs)) cat.check(tag); // every message parses
`

// catalogScript answers, as JSON: the sentence of every sample event (in
// its language), and of one made-up event per code in every language
// (every message runs once).
const catalogScript = catalogPrelude + `
const { catalogs, explain } = cat;
const input = JSON.parse(process.env.CATALOG_INPUT);
const out = { samples: [], all: [] };
const hash = "ab".repeat(32);
for (const lang of Object.keys(catalogs)) {
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
out.samples = input.samples.map((s) => explain(s.ev, s.lang));
console.log(JSON.stringify(out));
`

// runNode runs a script with catalog.js loaded and returns its output.
func runNode(t *testing.T, script string, env ...string) []byte {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found: CI must install it")
		}
		t.Skip("node not found")
	}
	cmd := exec.Command(nodeBin, "--input-type=module", "-e", script)
	cmd.Env = append(append(os.Environ(), "TZ=UTC", "CATALOG_URL="+copyCatalog(t)), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	return stdout
}

// TestCatalogInNode runs catalog.js in node (no browser): every message
// of every language runs and says no "undefined", and sample events
// built from real rule errors read with their numbers, in English and in
// Chinese. It skips without node, but fails under CI=true.
func TestCatalogInNode(t *testing.T) {
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
	type sample struct {
		Lang string     `json:"lang"`
		Ev   node.Event `json:"ev"`
		want []string
	}
	samples := []sample{
		{"en", blockEvent(high, highErr), []string{
			"Rejected block #2 " + high.Hash().String()[:12] + "…", "Ana (p3)",
			"its hash " + highErr.Have[:12] + "…", "target " + strings.TrimPrefix(highErr.Want, "≤ ")[:12] + "…", "proof of work",
		}},
		{"zh-CN", blockEvent(high, highErr), []string{
			"Ana (p3)", "区块 #2 " + high.Hash().String()[:12] + "…",
			"哈希 " + highErr.Have[:12] + "…", "目标 " + strings.TrimPrefix(highErr.Want, "≤ ")[:12] + "…", "工作量证明",
		}},
		{"en", blockEvent(root, rootErr), []string{"merkle root", "dead00000000…", root.ComputeMerkleRoot().String()[:12] + "…"}},
		{"zh-CN", blockEvent(root, rootErr), []string{"默克尔根", "dead00000000…", root.ComputeMerkleRoot().String()[:12] + "…"}},
		{"en", node.Event{Kind: node.EventRefused, Code: "overspend", What: "transaction", Hash: high.Hash().String(), Have: "1051", Want: "≤ 1000"},
			[]string{"Did not add transaction", "1,051", "1,000"}},
		{"zh-CN", node.Event{Kind: node.EventRefused, Code: "overspend", What: "transaction", Hash: high.Hash().String(), Have: "1051", Want: "≤ 1000"},
			[]string{"交易", "1,051", "1,000"}},
		{"en", node.Event{Kind: node.EventRejected, Code: "bad-reward", Peer: "p4", What: "block", Height: 12, Hash: high.Hash().String(), Have: "51", Want: "50"},
			[]string{"#12", "51 coins", "exactly 50"}},
		{"en", node.Event{Kind: node.EventRejected, Code: "time-too-old", Peer: "p4", What: "block", Height: 3, Hash: high.Hash().String(),
			Have: "1700000000000", Want: "> 1700000003200"}, []string{"Nov 14, 2023, 22:13:20.000", "22:13:23.200", "3.2s earlier"}},
		{"en", node.Event{Kind: node.EventRejected, Code: "no-such-rule", Peer: "p4", What: "hello", Have: "1", Want: "2", Text: "secret English"},
			[]string{"no-such-rule", "have 1, want 2"}},
		{"en", node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 1200, Total: 10000}, []string{"1,200 / 10,000"}},
		{"en", node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 1234567, Total: 9007199254740991}, []string{"1,234,567 / 9,007,199,254,740,991"}},
		{"en", node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 12, Total: 999}, []string{"12 / 999 "}},
		{"en", node.Event{Kind: node.EventConnection, Code: node.CodeConnDisconnected, Reason: relay.CodeRateLimited}, []string{"Disconnected", "per second"}},
		{"en", node.Event{Kind: node.EventStatus, Code: node.CodeStatusRelay, Reason: relay.CodeFrameTooBig, Text: "Relay: read limited"},
			[]string{"relay refused", "larger"}},
		{"en", node.Event{Kind: node.EventReorg, Count: 3, Total: 4, Height: 20, Hash: high.Hash().String()}, []string{"Reorg: 3 blocks replaced by 4", "#20"}},
		{"en", node.Event{Kind: node.EventReorg, Count: 2, Total: 3, Back: 3, Height: 20, Hash: high.Hash().String()},
			[]string{"Reorg: 2 blocks replaced by 3; 3 transactions back in the mempool"}},
		{"en", node.Event{Kind: node.EventReorg, Count: 1, Back: 1, Height: 20, Hash: high.Hash().String()},
			[]string{"Reorg: 1 block replaced; 1 transaction back"}},
		{"zh-CN", node.Event{Kind: node.EventReorg, Count: 2, Total: 3, Back: 3, Height: 20, Hash: high.Hash().String()},
			[]string{"重组", "2 个区块", "3 个", "内存池"}},
		{"en", node.Event{Kind: node.EventMined, Code: node.CodeMinedMainChain, Height: 1, Hash: high.Hash().String()}, []string{"Mined block #1 "}},
		{"en", node.Event{Kind: node.EventTx, Tx: &node.TxSummary{ID: high.Hash().String(), Author: "Ana", To: chaintest.Addr(1).String(), Amount: 1500, Fee: 2}},
			[]string{"Ana sends 1,500 coins", chaintest.Addr(1).Short() + "…", "fee 2"}},
		{"en", node.Event{Kind: "miner", Text: "Worker 1 crashed"}, []string{"Worker 1 crashed"}},
		{"en-XA", node.Event{Kind: node.EventSync, Code: node.CodeSyncProgress, Count: 1200, Total: 10000}, []string{"Šýñçíñĝ 1,200 / 10,000 ƀľöçķš… ļöñĝéŕ ŵ"}}, // as web/i18n makes it
	}
	input, err := json.Marshal(map[string]any{"codes": wantedCodes(), "samples": samples})
	require.NoError(t, err)
	stdout := runNode(t, catalogScript, "CATALOG_INPUT="+string(input))
	var out struct {
		Samples []string    `json:"samples"`
		All     [][3]string `json:"all"`
	}
	require.NoError(t, json.Unmarshal(stdout, &out), "%s", stdout)

	langs := map[string]bool{}
	for _, s := range out.All {
		lang, what, sentence := s[0], s[1], s[2]
		langs[lang] = true
		require.NotEmpty(t, sentence, "%s %s", lang, what)
		for _, bad := range []string{"undefined", "NaN", "[object", "null", "broke the rule", "Event “", "“kicked”"} {
			require.NotContains(t, sentence, bad, "%s %s: %s", lang, what, sentence)
		}
		require.NotRegexp(t, `\b(event|rule|reason|what|object|who)\.[a-z]`, sentence, "%s %s: a key shows: %s", lang, what, sentence)
		if lang == "zh-CN" {
			require.Regexp(t, `\p{Han}`, sentence, "%s %s: %s", lang, what, sentence)
		}
	}
	require.True(t, langs["en"] && langs["zh-CN"] && langs["en-XA"], "the languages: %v", langs)
	require.Len(t, out.Samples, len(samples))
	for i, s := range samples {
		for _, want := range s.want {
			require.Contains(t, out.Samples[i], want, "sample %d (%s %s %s)", i, s.Lang, s.Ev.Kind, s.Ev.Code)
		}
		if s.Ev.Kind != "miner" && s.Ev.Text != "" {
			require.NotContains(t, out.Samples[i], s.Ev.Text, "sample %d shows the English text", i)
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

// TestPageWordsAreTheCatalogs: every word the pages render carries a
// catalog key (data-msg and its attribute forms), and the words the templ
// components render, in English and in Chinese, are the catalog's for
// that key, so the catalog is the one source of the words; every key the
// modules look up by name (t("…")) is in the catalog.
func TestPageWordsAreTheCatalogs(t *testing.T) {
	b := languages(t)
	ts := startServer(t, t.TempDir(), nil)
	type use struct{ key, text, where string }
	textRE := regexp.MustCompile(`<[a-z0-9]+[^>]*\sdata-msg="([^"]+)"[^>]*>([^<]*)<`)
	attrRE := regexp.MustCompile(`<[a-z0-9]+[^>]*>`)
	for _, lang := range []string{"en", "zh-CN"} {
		var uses []use
		for _, page := range []string{"/", "/r/words", "/bench", "/r/words/board"} {
			req, err := http.NewRequest("GET", ts.http.URL+page, nil)
			require.NoError(t, err)
			req.Header.Set("Accept-Language", lang)
			resp, err := ts.http.Client().Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, lang, resp.Header.Get("Content-Language"), page)
			require.Contains(t, string(body), `<html lang="`+lang+`"`, page)
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
		c := b.Catalog(lang)
		for _, u := range uses {
			_, ok := c.Source(u.key)
			require.True(t, ok, "%s uses the key %q, which %s lacks", u.where, u.key, c.File)
			require.Equal(t, c.Text(u.key, nil), u.text, "%s (%s): the page's words for %q are not the catalog's", u.where, lang, u.key)
		}
	}
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
			require.True(t, b.Default().Has(m[1]), "%s uses the key %q, which %s lacks", e.Name(), m[1], b.Default().File)
		}
	}
}
