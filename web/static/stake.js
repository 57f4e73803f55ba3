// The validator panel of a proof-of-stake or delegated proof-of-stake
// room (web/stake.templ), in place of the miner panel: there is nothing
// to mine. It shows this tab's stake and next slots, locks coins as
// stake, stands as a delegate and votes (each an ordinary signed
// transaction to a system account, sent through the in-tab node's REST
// API like the wallet's), and draws every validator's share of the stake
// against its share of the recent blocks, and the recent slots. The room
// page feeds it the snapshots app.js announces ("chainplay:snapshot");
// the board (stake-board.js) calls renderStakeTables itself. Every figure
// comes from Go (chain/node/view's StakeView); words from catalog.js.
import { $, el, say, setText } from "./dom.js";
import { apiError, formatter, t, lang, onLang } from "./catalog.js";

const pct = (v) => `${Math.round((v || 0) * 100)} %`;

// who names an account: its nickname, else its short address; "you" is
// added for this tab's own.
function who(v, x, addr, name) {
  const s = name || x.addr(addr);
  return v && v.me ? t("stake.you", { name: s }) : s;
}

// slotLine says which slot it is, of which epoch or round, and who leads it.
export function slotLine(v, x, meAddr = "") {
  const leader = v.leader ? (v.leader === meAddr ? t("stake.you", { name: v.leader_name || x.addr(v.leader) }) : v.leader_name || x.addr(v.leader)) : "";
  return t(`stake.slot.${v.engine}`, { slot: v.slot, index: v.index, leader, none: !leader ? 1 : v.signed ? 2 : 0 });
}

// renderStakeTables draws v's validators and recent slots into root (an
// element holding stakeTables' parts).
export function renderStakeTables(root, v, x) {
  const rows = v.validators.map((r) => {
    const tags = [];
    if (r.slashed) tags.push(el("span", { class: "chip fault" }, t("stake.tag.slashed")));
    if (v.engine === "dpos" && r.producer) tags.push(el("span", { class: "chip primary" }, t("stake.tag.producer")));
    if (v.engine === "dpos" && r.candidate && !r.producer && !r.slashed) tags.push(el("span", { class: "chip" }, t("stake.tag.candidate")));
    if (r.fault) tags.push(el("span", { class: "chip fault" }, t(`stake.fault.${r.fault}`)));
    const stake = [el("span", {}, t("stake.cell.stake", { stake: r.stake, share: pct(r.share) }))];
    if (v.engine === "dpos" && r.candidate) stake.push(el("br"), el("span", { class: "hint" }, t("stake.cell.votes", { votes: r.votes || 0, share: pct(r.vote_share) })));
    if (v.engine === "dpos" && r.vote && r.vote !== r.address) stake.push(el("br"), el("span", { class: "hint" }, t("stake.cell.votesFor", { name: r.vote_name || x.addr(r.vote) })));
    // Widths through the CSSOM: the pages' policy allows no style attribute.
    const sb = el("span", { class: "bar stake-bar" });
    const bb = el("span", { class: "bar block-bar" });
    sb.style.width = `${Math.round(r.share * 100)}%`;
    bb.style.width = `${Math.round(r.block_share * 100)}%`;
    const bar = el("span", { class: "share-bars", title: t("stake.cell.bars", { stake: pct(r.share), blocks: pct(r.block_share) }) }, sb, bb);
    return el("tr", { class: r.me ? "me" : "", "data-address": r.address },
      el("th", {}, who(r, x, r.address, r.name), tags.length ? " " : "", ...tags),
      el("td", {}, ...stake),
      el("td", {}, t("stake.cell.blocks", { n: r.signed, share: pct(r.block_share) }), bar),
      el("td", { class: r.missed ? "bad" : "" }, x.n(r.missed)));
  });
  root.querySelector(".stake-rows").replaceChildren(...rows);
  // The recent slots, oldest on the left: a square each, filled when the
  // slot has a block on the best chain, crossed when its leader missed it.
  const slots = [...v.recent].reverse().map((s) => {
    const name = s.leader_name || x.addr(s.leader) || t("stake.slot.nobody");
    const label = s.hash ? t("stake.slot.signed", { slot: s.slot, name, height: s.height }) : s.missed ? t("stake.slot.missed", { slot: s.slot, name }) : t("stake.slot.empty", { slot: s.slot });
    return el("li", { class: `slot ${s.hash ? "signed" : s.missed ? "missed" : "empty"}`, title: label, "aria-label": label }, s.missed ? "×" : "");
  });
  root.querySelector(".slot-strip").replaceChildren(...slots);
  setText(root.querySelector(".stake-window"), t("stake.window", { window: v.window, blocks: v.blocks }));
}

// The room page.
if ($("room") && $("stake")) {
  const config = JSON.parse($("room").dataset.config);
  const engine = config.params && config.params.engine;
  if (engine === "pos" || engine === "dpos") start(engine);
}

function start(engine) {
  const panel = $("stake");
  const miner = $("miner");
  if (miner) miner.hidden = true;
  panel.hidden = false;
  $("dpos-forms").hidden = engine !== "dpos";
  setText($("stake-about"), () => t(`stake.about.${engine}`));
  const message = $("stake-message");
  let last = null;
  let shownCandidates = "";

  async function send(body, ok) {
    try {
      const resp = await globalThis.chainplay.request("POST", "/transactions/new", JSON.stringify({ fee: 0, ...body }));
      let data = {};
      try {
        data = JSON.parse(resp.text);
      } catch {
        data = {};
      }
      if (resp.status >= 400) throw Object.assign(new Error(data.error || `${resp.status}`), { body: data, status: resp.status });
      say(message, ok, true);
      return true;
    } catch (err) {
      say(message, () => t("stake.failed", { why: apiError(err) }), false);
      return false;
    }
  }

  $("stake-form").onsubmit = async (e) => {
    e.preventDefault();
    const amount = Number($("stake-amount").value);
    if (!last || !Number.isInteger(amount) || amount < 1) {
      say(message, () => t("stake.lock.bad"), false);
      return;
    }
    if (await send({ recipient: last.accounts.stake, amount }, () => t("stake.lock.sent", { amount }))) $("stake-amount").value = "";
  };
  $("stake-stand").onclick = () => last && send({ recipient: last.accounts.candidate, amount: 0 }, () => t("stake.stand.sent"));
  $("vote-form").onsubmit = (e) => {
    e.preventDefault();
    if (!last) return;
    const c = $("vote-candidate").value;
    const opt = $("vote-candidate").selectedOptions[0];
    send({ recipient: last.accounts.vote, amount: 0, memo: c }, () => (c ? t("stake.vote.sent", { name: opt?.textContent || c }) : t("stake.vote.withdrawn")));
  };

  // No mining here: the chain and mempool panels say what makes a block
  // valid instead (the keys move, so a switch of language keeps them).
  const stakeWords = () => {
    setText($("tip-difficulty"), t("stake.tip.signed"));
    for (const [from, to] of [["chain.about", `chain.about.${engine}`], ["mempool.about", "mempool.about.stake"]]) {
      for (const e of document.querySelectorAll(`[data-msg="${from}"], [data-msg="${to}"]`)) {
        e.dataset.msg = to;
        setText(e, t(to));
      }
    }
  };
  const draw = () => {
    if (!last) return;
    stakeWords();
    const v = last;
    const x = { ...formatter(lang()), lang: lang() };
    const me = v.me || { stake: 0, share: 0, balance: 0, signed: 0, missed: 0 };
    setText($("stake-slot"), slotLine(v, x, me.address));
    const next = (v.next || []).map((s) => t(s.sure ? "stake.next.sure" : "stake.next.maybe", { slot: s.slot, secs: Math.max(0, Math.round((s.time - Date.now()) / 1000)) }));
    const facts = [
      ["stake.fact.stake", me.slashed ? t("stake.fact.slashed") : t("stake.cell.stake", { stake: me.stake, share: pct(me.share) })],
      ["stake.fact.balance", t("stake.fact.coins", { n: me.balance })],
      ["stake.fact.signed", t("stake.fact.signedIn", { signed: me.signed, missed: me.missed, window: v.window })],
      ["stake.fact.next", next.length ? next.join(" · ") : me.stake > 0 || me.producer ? t("stake.next.none") : t("stake.next.nostake")],
    ];
    if (engine === "dpos") facts.splice(1, 0, ["stake.fact.vote", me.vote ? who(null, x, me.vote, me.vote_name) : t("stake.fact.novote")]);
    $("stake-facts").replaceChildren(...facts.flatMap(([k, val]) => [el("dt", {}, t(k)), el("dd", {}, val)]));
    renderStakeTables(panel, v, x);
    $("stake-stand").hidden = !!me.candidate;
    if (engine === "dpos") {
      // The vote's choices are rebuilt only when the candidates change, so
      // a choice being made stays.
      const cands = v.validators.filter((r) => r.candidate && !r.slashed);
      const key = cands.map((r) => r.address + r.name).join(",") + lang();
      if (key !== shownCandidates) {
        shownCandidates = key;
        const sel = $("vote-candidate");
        const was = sel.value;
        sel.replaceChildren(...cands.map((r) => el("option", { value: r.address, selected: r.address === (was || me.vote) }, who(r, x, r.address, r.name))),
          el("option", { value: "" }, t("stake.vote.none")));
      }
    }
  };
  window.addEventListener("chainplay:snapshot", (e) => {
    last = e.detail.stake;
    draw();
    // app.js has published globalThis.chainplay before its first snapshot.
    for (const id of ["stake-lock", "stake-stand", "stake-vote"]) $(id).disabled = false;
  });
  onLang(() => {
    shownCandidates = "";
    draw();
  });
}
