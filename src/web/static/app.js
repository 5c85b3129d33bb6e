/* CoinBit's web view: one page, routed by the URL's #fragment, drawn from
 * the node's /api/ and kept live by its /events stream. Everything shown is
 * put in as text (never as HTML), so what a peer put in a block cannot
 * become markup here. */
"use strict";

const view = document.getElementById("view");
const COIN = 1e8;

/* ---- small helpers ---- */

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function svg(tag, attrs, ...kids) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined)
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

async function api(path, base) {
  const r = await fetch((base || "") + "/api/" + path, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
  return body;
}

/* Replaces the page's content (null and nested arrays are skipped). */
function show(...kids) {
  view.replaceChildren(...kids.flat(2).filter((k) => k !== null && k !== undefined && k !== false));
}

const si = (v) => v === null ? "" : Math.abs(v) >= 1e9 ? (v / 1e9).toFixed(1) + "G" : Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(1) + "M"
  : Math.abs(v) >= 1e3 ? (v / 1e3).toFixed(1) + "k" : String(Math.round(v * 100) / 100);

const short = (x) => x ? x.slice(0, 12) + "\u2026" + x.slice(-6) : "";
const link = (href, text, cls) => h("a", { href, class: cls }, text);
const blockLink = (hash, text) => link("#/block/" + hash, text || short(hash), "hash");
const txLink = (id) => link("#/tx/" + id, short(id), "hash");
const addrLink = (a) => a === "coinbase" ? "coinbase" : link("#/address/" + encodeURIComponent(a), a, "hash");
const when = (t) => t ? new Date(t * 1000).toLocaleString() : "";
const coins = (v) => (typeof v === "number" ? v.toFixed(8) : v) + " CB";
const status = (s) => h("span", { class: "status-" + s }, s);

function kv(rows) {
  return h("table", { class: "kv" }, h("tr", {}, h("th", {}, "field"), h("th", {}, "value"), h("th", {}, "what it means")),
    rows.map(([k, v, help]) => h("tr", { "data-field": k }, h("td", {}, k), h("td", { class: "mono" }, v), h("td", { class: "help" }, help || ""))));
}

function card(k, v, id) {
  return h("div", { class: "card" }, h("div", { class: "k" }, k), h("div", { class: "v", id }, v));
}

function title(text, json) {
  return h("h1", {}, text, json ? h("a", { class: "jsonlink", href: "/api/" + json }, "raw JSON") : null);
}

/* ---- pages ---- */

const charts = [];

function drawChart(target, label, xs, ys, color) {
  if (!window.uPlot || xs.length < 2) {
    target.append(h("p", { class: "help" }, "(the chart starts with the second block)"));
    return;
  }
  const opts = {
    title: label, width: Math.max(300, target.clientWidth - 20), height: 200,
    series: [{}, { label, stroke: color, width: 2 }],
    axes: [{ incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000], values: (u, v) => v.map((x) => x === null ? "" : String(x)) },
      { size: 60, values: (u, v) => v.map(si) }],
    scales: { x: { time: false } },
  };
  charts.push(new uPlot(opts, [xs, ys], target));
}

async function overview() {
  const o = await api("overview");
  const c = o.chain, m = o.mining, r = o.recent;
  const rate = r.slice(1).map((b) => b.interval > 0 ? b.difficulty * 4294967296 / b.interval : null);
  show(
    title("Overview: " + c.chain, "overview"),
    h("div", { class: "cards" },
      card("height", c.blocks, "height"),
      card("tip", blockLink(c.bestblockhash), "tip"),
      card("difficulty", Number(m.difficulty).toPrecision(6), "difficulty"),
      card("mempool", o.mempool.size + " payments, " + o.mempool.bytes + " bytes", "mempool"),
      card("peers", o.network ? o.network.connections : "network off", "peers"),
      card("this node mines", m.generate ? (m.hashespersec / 1e6).toFixed(2) + " MH/s" : "no", "mining")),
    h("h2", {}, "The last " + r.length + " blocks"),
    h("div", { class: "charts" }, h("div", { class: "chart", id: "chart-rate" }), h("div", { class: "chart", id: "chart-interval" })),
    h("p", { class: "help" }, "Hash rate is estimated from each block: its difficulty \u00d7 2\u00b3\u00b2 hashes over the seconds since its parent."),
  );
  charts.length = 0;
  drawChart(document.getElementById("chart-rate"), "hash rate (H/s)", r.slice(1).map((b) => b.height), rate, "#1b6fd8");
  drawChart(document.getElementById("chart-interval"), "block interval (s)", r.slice(1).map((b) => b.height), r.slice(1).map((b) => b.interval), "#d08a00");
}

async function blocks(params) {
  const page = Math.max(0, parseInt(params.get("page") || "0", 10) || 0);
  const o = await api("blocks?page=" + page);
  const pager = h("p", { class: "pager" },
    page > 0 ? link("#/blocks?page=" + (page - 1), "\u2190 newer") : null,
    h("span", {}, "page " + (page + 1) + " of " + o.pages),
    page + 1 < o.pages ? link("#/blocks?page=" + (page + 1), "older \u2192") : null);
  show(
    title("Blocks", "blocks?page=" + page), pager,
    h("table", { id: "blocks" }, h("tr", {}, ["height", "hash", "time", "payments", "difficulty"].map((x) => h("th", {}, x))),
      o.blocks.map((b) => h("tr", { "data-hash": b.hash, "data-height": b.height },
        h("td", {}, b.height), h("td", {}, blockLink(b.hash)), h("td", {}, when(b.time)),
        h("td", {}, b.nTx), h("td", {}, Number(b.difficulty).toPrecision(6))))));
}

function payments(txs) {
  return h("table", { class: "txs" }, h("tr", {}, ["txid", "from", "to", "amount", "fee", "nonce"].map((x) => h("th", {}, x))),
    txs.map((t) => h("tr", { "data-txid": t.txid }, h("td", {}, txLink(t.txid)), h("td", {}, addrLink(t.sender)),
      h("td", {}, addrLink(t.recipient)), h("td", {}, coins(t.amount)), h("td", {}, coins(t.fee)), h("td", {}, t.nonce))));
}

async function block(hash) {
  const b = await api("block/" + encodeURIComponent(hash));
  if (b.status === "refused") {
    show(title("Refused " + b.kind, "block/" + b.hash),
      h("p", { class: "error", id: "refusal" }, "Refused: " + b.reason + " \u2014 " + b.message),
      kv([["hash", b.hash, "what its header hashes to"],
        ["refused", when(b.refused_at), "it was never kept: only why is"]]));
    return;
  }
  show(
    title("Block " + b.height, "block/" + b.hash),
    h("p", {}, "Status: ", status(b.status), b.reason ? h("span", { class: "error", id: "refusal" }, " \u2014 " + b.reason + (b.message ? ": " + b.message : "")) : null),
    kv([
      ["hash", b.hash, "double SHA-256 of the 80-byte header; at or below the target, or it is no block"],
      ["height", b.height, "blocks between it and the genesis block"],
      ["confirmations", b.confirmations, "blocks on top of it on the active chain (-1: not on it)"],
      ["version", b.version, "header version"],
      ["previousblockhash", b.previousblockhash ? blockLink(b.previousblockhash, b.previousblockhash) : "(genesis)", "the parent: every header names the one before"],
      ["merkleroot", b.merkleroot, "one hash of all its payments: change one and this changes"],
      ["time", b.time + " (" + when(b.time) + ")", "the miner's clock; must beat the median of the last 11"],
      ["mediantime", b.mediantime, "median time of the last 11 blocks"],
      ["bits", b.bits, "the target in compact form: what the hash must be at or below"],
      ["difficulty", b.difficulty, "how much harder than the easiest target"],
      ["nonce", b.nonce, "what the miner changed until the hash fell below the target"],
      ["chainwork", b.chainwork, "expected hashes to make the chain up to here: the heaviest chain wins"],
      ["size", b.size, "bytes"],
      ["nextblockhash", b.nextblockhash ? blockLink(b.nextblockhash, b.nextblockhash) : "(none yet)", "the child on the active chain"],
    ]),
    h("h2", {}, "Checks it passed"),
    b.checks.length ? h("ul", { id: "checks" }, b.checks.map((c) => h("li", {}, c))) : h("p", {}, "(not all of them: see its status)"),
    h("h2", {}, "Payments (" + (b.tx ? b.tx.length : 0) + ")"),
    b.tx ? payments(b.tx) : h("p", {}, "Only its header is known here."),
    h("h2", {}, "Raw block"), h("div", { class: "raw" }, b.hex || "(not held)"));
}

async function tx(id) {
  const t = await api("tx/" + encodeURIComponent(id));
  show(
    title("Payment " + short(t.txid), "tx/" + t.txid),
    h("p", {}, "Status: ", status(t.status), t.confirmations ? " with " + t.confirmations + " confirmation" + (t.confirmations === 1 ? "" : "s") : ""),
    t.reason ? h("p", { class: "error", id: "refusal" }, "Refused: " + t.reason + " \u2014 " + t.message) : null,
    kv([
      ["txid", t.txid, "double SHA-256 of the 153-byte payment"],
      ["sender", t.sender ? addrLink(t.sender) : "", "the address of the key that signed it"],
      ["recipient", t.recipient ? addrLink(t.recipient) : "", "who is paid"],
      ["amount", t.amount !== undefined ? coins(t.amount) : "", "what the recipient gets"],
      ["fee", t.fee !== undefined ? coins(t.fee) : "", "what the miner of its block gets"],
      ["nonce", t.nonce, "the sender's count of payments: each must be the next one"],
      ["time", t.time ? when(t.time) : "", "when the sender signed it"],
      ["block", t.blockhash ? blockLink(t.blockhash, t.blockhash) : "(none: not in a block)", "the block that holds it"],
    ]),
    t.hex ? [h("h2", {}, "Raw payment"), h("div", { class: "raw" }, t.hex)] : null);
}

async function address(a) {
  const o = await api("address/" + encodeURIComponent(a));
  show(
    title("Address", "address/" + encodeURIComponent(a)),
    h("p", { class: "mono" }, o.address),
    h("div", { class: "cards" }, card("balance", coins(o.balance), "balance"), card("nonce", o.nonce, "nonce"),
      card("pending", o.pending + " (" + coins(o.pendingspend) + ")", "pending")),
    h("h2", {}, "History (newest first, up to " + o.history_max + ")"),
    h("table", { id: "history" }, h("tr", {}, ["txid", "from", "to", "amount", "status", "block"].map((x) => h("th", {}, x))),
      o.history.map((t) => h("tr", {}, h("td", {}, txLink(t.txid)), h("td", {}, addrLink(t.sender)), h("td", {}, addrLink(t.recipient)),
        h("td", {}, coins(t.amount)), h("td", {}, status(t.status), t.reason ? " (" + t.reason + ")" : ""), h("td", {}, t.height ?? "")))));
}

async function mempool() {
  const o = await api("mempool");
  show(
    title("Mempool", "mempool"),
    h("div", { class: "cards" }, card("payments", o.info.size, "poolsize"), card("bytes", o.info.bytes),
      card("next block would take", o.next_block.count + " paying " + coins(o.next_block.fees), "nextblock"),
      card("minimum fee", coins(o.info.minrelaytxfee))),
    h("h2", {}, "By fee, in the order the next block takes them" + (o.txs.length < o.next_block.count ? " (the first " + o.txs.length + ")" : "")),
    o.txs.length ? payments(o.txs) : h("p", { id: "empty" }, "No payment is waiting."),
    h("h2", {}, "Refused lately"),
    o.refused.length ? h("table", { id: "refused" }, h("tr", {}, ["what", "reason", "why", "when"].map((x) => h("th", {}, x))),
      o.refused.map((r) => h("tr", {}, h("td", {}, r.kind === "tx" ? txLink(r.id) : r.kind === "message" ? "a peer's message" : r.kind === "peer" ? "a peer" : blockLink(r.id)), h("td", { class: "status-refused" }, r.reason), h("td", {}, r.message), h("td", {}, when(r.time)))))
      : h("p", {}, "Nothing refused since the node started."));
}

async function peers() {
  const o = await api("peers");
  show(
    title("Peers", "peers"),
    h("table", { id: "peers" }, h("tr", {}, ["id", "address", "direction", "agent", "height", "sent", "received", "handshake"].map((x) => h("th", {}, x))),
      o.peers.map((p) => h("tr", { "data-id": p.id }, h("td", {}, p.id), h("td", { class: "mono" }, p.addr), h("td", {}, p.inbound ? "in" : "out"),
        h("td", {}, p.subver), h("td", {}, p.startingheight), h("td", {}, p.bytessent), h("td", {}, p.bytesrecv), h("td", {}, p.handshake ? "done" : "pending")))),
    o.peers.length ? null : h("p", {}, "No peer is connected."),
    o.peers.map((p) => {
      const kinds = [...new Set(Object.keys(p.bytessent_per_msg || {}).concat(Object.keys(p.bytesrecv_per_msg || {})))].sort();
      const msgs = (p.messages || []).slice(-30).reverse();
      return [h("h2", {}, "Peer " + p.id + " (" + p.addr + "): bytes by message"),
        msgs.length ? h("table", { class: "trace", "data-id": p.id }, h("tr", {}, ["time", "", "message", "bytes", "summary"].map((x) => h("th", {}, x))),
          msgs.map((m) => h("tr", {}, h("td", {}, new Date(m.time_ms).toLocaleTimeString()), h("td", {}, m.direction === "out" ? "\u2192" : "\u2190"),
            h("td", { class: "mono" }, m.command), h("td", {}, m.size), h("td", { class: "mono" }, m.summary))))
          : h("p", { class: "help" }, o.tracing ? "No message yet." : "Messages are kept with -trace=net (or: coinbit-cli settrace net true)."),
        h("table", { class: "permsg", "data-id": p.id }, h("tr", {}, h("th", {}, "message"), h("th", {}, "sent"), h("th", {}, "received")),
          kinds.map((k) => h("tr", { "data-msg": k }, h("td", { class: "mono" }, k),
            h("td", {}, (p.bytessent_per_msg || {})[k] || 0), h("td", {}, (p.bytesrecv_per_msg || {})[k] || 0))))];
    }),
    h("h2", {}, "Banned"),
    o.banned.length ? h("table", {}, o.banned.map((b) => h("tr", {}, h("td", { class: "mono" }, b.address), h("td", {}, "until " + when(b.banned_until)))))
      : h("p", {}, "Nobody is banned."));
}

/* The tree: lanes by branch, the active chain on the first; heights
 * where nothing forks fold into one box. `who` maps a tip hash to the
 * names of the nodes on it (the network view). */
function drawTree(t, who) {
  const by = new Map(t.nodes.map((n) => [n.hash, n]));
  const kids = new Map();
  for (const n of t.nodes) if (n.prev && by.has(n.prev)) (kids.get(n.prev) || kids.set(n.prev, []).get(n.prev)).push(n);
  const lane = new Map();
  let lanes = 0;
  /* The active chain first, then each other branch in its own lane. */
  const order = [...t.nodes].sort((a, b) => (a.status === "active" ? 0 : 1) - (b.status === "active" ? 0 : 1) || a.height - b.height);
  for (const n of order) {
    if (lane.has(n.hash)) continue;
    const l = n.status === "active" ? 0 : ++lanes;
    for (let x = n; x && !lane.has(x.hash); ) {
      lane.set(x.hash, l);
      const ks = (kids.get(x.hash) || []).filter((k) => (l === 0) === (k.status === "active"));
      x = ks[0];
    }
  }
  /* Heights worth a column: near a fork, a branch, a tip, the ends. */
  const keep = new Set([t.from, t.height]);
  for (const n of t.nodes) {
    if (lane.get(n.hash) !== 0 || (kids.get(n.hash) || []).length > 1 || who && who.has(n.hash))
      for (let d = -1; d <= 1; d++) keep.add(n.height + d);
  }
  const heights = [...new Set(t.nodes.map((n) => n.height))].sort((a, b) => a - b);
  const col = new Map();
  let x = 0;
  const folds = [];
  for (let i = 0; i < heights.length; i++) {
    if (keep.has(heights[i])) { col.set(heights[i], x++); continue; }
    let j = i;
    while (j + 1 < heights.length && !keep.has(heights[j + 1])) j++;
    if (j - i < 2) { col.set(heights[i], x++); continue; } /* fold runs of 3 or more */
    folds.push({ x: x, count: heights[j] - heights[i] + 1 });
    for (let k = i; k <= j; k++) col.set(heights[k], x);
    x++;
    i = j;
  }
  const W = 108, H = 46, pad = 10;
  const width = pad * 2 + x * W, height = pad * 2 + (lanes + 1) * H + 14;
  const s = svg("svg", { class: "tree", width, height, viewBox: "0 0 " + width + " " + height, id: "tree" });
  const pos = (n) => [pad + col.get(n.height) * W, pad + lane.get(n.hash) * H];
  const foldCols = new Set(folds.map((f) => f.x));
  for (const n of t.nodes) {
    if (!n.prev || !by.has(n.prev)) continue;
    const [x1, y1] = pos(by.get(n.prev)), [x2, y2] = pos(n);
    if (x1 !== x2) s.append(svg("line", { x1: x1 + 90, y1: y1 + 14, x2, y2: y2 + 14 }));
  }
  for (const f of folds)
    s.append(svg("g", { class: "fold" }, svg("rect", { x: pad + f.x * W, y: pad, width: 90, height: 28 }),
      svg("text", { x: pad + f.x * W + 6, y: pad + 18 }, f.count + " blocks")));
  for (const n of t.nodes) {
    const [px, py] = pos(n);
    if (foldCols.has(col.get(n.height)) && lane.get(n.hash) === 0) continue;
    const cls = "block " + n.status + (n.hash === t.tip ? " tip" : "");
    const g = svg("g", { class: cls, "data-hash": n.hash, "data-height": n.height },
      svg("title", {}, n.height + " " + n.hash + " " + n.status + (n.reason ? ": " + n.reason : "")),
      svg("rect", { x: px, y: py, width: 90, height: 28 }),
      svg("text", { x: px + 5, y: py + 12 }, String(n.height)),
      svg("text", { x: px + 5, y: py + 24 }, n.hash.slice(0, 10)));
    if (who && who.has(n.hash)) g.append(svg("text", { class: "who", x: px, y: py + 40 }, who.get(n.hash).join(", ")));
    g.addEventListener("click", () => { location.hash = "#/block/" + n.hash; });
    s.append(g);
  }
  return s;
}

async function tree(params) {
  const n = Math.min(2000, Math.max(1, parseInt(params.get("n") || "50", 10) || 50));
  const t = await api("tree?n=" + n);
  show(
    title("Block tree: the last " + n + " heights", "tree?n=" + n),
    h("p", {}, "Green: the active chain (thick: its tip). Orange: valid blocks off it (stale). Red: invalid, with the reason on hover. Grey: runs with no fork, folded."),
    drawTree(t),
    t.cut ? h("p", { class: "error" }, "More blocks than can be drawn: the tree is cut.") : null);
}

/* Every node of a local network on one tree: ?nodes=host:port,... are
 * other nodes' web views (scripts/localnet.py prints this address). */
async function network(params) {
  const others = (params.get("nodes") || "").split(",").map((s) => s.trim()).filter((s) => /^[\w.\-]+:\d{1,5}$/.test(s));
  const sources = [{ name: "this node", base: "" }].concat(others.map((s) => ({ name: s, base: "http://" + s })));
  const got = await Promise.all(sources.map((src) => api("tree?n=30", src.base).then((t) => ({ src, t }), (e) => ({ src, e }))));
  const all = new Map();
  const who = new Map();
  let top = null;
  for (const g of got) {
    if (!g.t) continue;
    for (const n of g.t.nodes) {
      const had = all.get(n.hash);
      if (!had || (n.status === "active" && had.status !== "active" && g === got[0])) all.set(n.hash, Object.assign({}, n));
    }
    (who.get(g.t.tip) || who.set(g.t.tip, []).get(g.t.tip)).push(g.src.name);
    if (!top || g.t.height > top.height) top = g.t;
  }
  const mine = got[0].t;
  const merged = { tip: mine ? mine.tip : "", height: top ? top.height : 0, from: Math.min(...got.filter((g) => g.t).map((g) => g.t.from)), nodes: [...all.values()] };
  show(
    title("Network: " + sources.length + " node" + (sources.length === 1 ? "" : "s"), "tree?n=30"),
    h("p", {}, "Each node's tip is named under its block; the active chain is this node's. Add nodes with #/network?nodes=127.0.0.1:PORT,\u2026 (their web ports)."),
    h("table", { id: "nodes" }, h("tr", {}, h("th", {}, "node"), h("th", {}, "height"), h("th", {}, "tip"), h("th", {}, "behind")),
      got.map((g) => h("tr", {}, h("td", {}, g.src.name), h("td", {}, g.t ? g.t.height : ""),
        h("td", {}, g.t ? blockLink(g.t.tip) : h("span", { class: "error" }, String(g.e && g.e.message))),
        h("td", {}, g.t && top ? top.height - g.t.height : "")))),
    merged.nodes.length ? drawTree(merged, who) : null);
}

function notFound() {
  show(title("No such page"), h("p", {}, link("#/", "Back to the overview")));
}

/* ---- routing and live updates ---- */

const routes = [
  [/^\/?$/, overview], [/^\/blocks$/, blocks], [/^\/block\/([0-9a-fA-F]{64})$/, block],
  [/^\/tx\/([0-9a-fA-F]{64})$/, tx], [/^\/address\/([^/]{1,100})$/, address],
  [/^\/mempool$/, mempool], [/^\/peers$/, peers], [/^\/tree$/, tree], [/^\/network$/, network],
];

let rendering = null, again = false;

async function render() {
  if (rendering) { again = true; return rendering; }
  const frag = location.hash.replace(/^#/, "") || "/";
  const [path, query] = frag.split("?");
  const params = new URLSearchParams(query || "");
  let fn = notFound, arg = params;
  for (const [re, f] of routes) {
    const m = path.match(re);
    if (m) { fn = f; arg = m[1] !== undefined ? decodeURIComponent(m[1]) : params; break; }
  }
  view.dataset.view = fn.name;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("here", a.getAttribute("href") === "#" + path);
  rendering = fn(arg).catch((e) => {
    show(h("h1", {}, "Cannot show this"), h("p", { class: "error", id: "error" }, e.message));
  }).then(() => {
    view.dataset.rendered = String(Date.now());
    rendering = null;
    if (again) { again = false; render(); }
  });
  return rendering;
}

/* Pages that change with these events redraw when one comes. */
const follows = {
  overview: ["tip", "tx_accepted", "tx_returned", "peer_connected", "peer_disconnected"],
  blocks: ["tip"], block: ["tip"], tx: ["tip", "tx_accepted", "tx_returned"], address: ["tip", "tx_accepted", "tx_returned"],
  mempool: ["tip", "tx_accepted", "tx_returned", "tx_refused"], peers: ["peer_connected", "peer_disconnected"], tree: ["tip"], network: ["tip"],
};

function logEvent(type, d) {
  const log = document.getElementById("eventlog");
  const text = type === "tip" ? "tip " + d.height + " " + short(d.hash)
    : type === "reorg" ? "reorganisation: " + d.disconnected + " out, " + d.connected + " in, from height " + d.fork_height
    : type.startsWith("block_") ? type.replace("_", " ") + " " + d.height
    : type === "tx_refused" ? "payment refused (" + d.reason + ") " + short(d.txid)
    : type.startsWith("tx_") ? "payment " + type.slice(3) + " " + short(d.txid)
    : type.startsWith("peer_") ? type.replace("_", " ") + " " + (d.addr || "#" + d.id) : type;
  log.prepend(h("li", { "data-type": type }, new Date().toLocaleTimeString() + " " + text));
  while (log.children.length > 50) log.lastChild.remove();
}

function listen() {
  const live = document.getElementById("live");
  const es = new EventSource("/events");
  es.onopen = () => { live.textContent = "live"; live.className = "live on"; };
  es.onerror = () => { live.textContent = "reconnecting"; live.className = "live off"; };
  let pending = null;
  for (const type of ["tip", "block_connected", "block_disconnected", "reorg", "tx_accepted", "tx_returned", "tx_refused", "peer_connected", "peer_disconnected"]) {
    es.addEventListener(type, (ev) => {
      const d = JSON.parse(ev.data);
      logEvent(type, d);
      if ((follows[view.dataset.view] || []).includes(type) && !pending)
        pending = setTimeout(() => { pending = null; render(); }, 150);
    });
  }
}

document.getElementById("search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = document.getElementById("q").value.trim();
  if (!q) return;
  try {
    const r = await api("search?q=" + encodeURIComponent(q));
    if (r.kind === "height") location.hash = "#/block/" + (await api("height/" + r.id)).hash;
    else location.hash = "#/" + r.kind + "/" + encodeURIComponent(r.id);
  } catch (e) {
    show(h("h1", {}, "Not found"), h("p", { class: "error", id: "error" }, e.message));
  }
});

window.addEventListener("hashchange", render);
render();
listen();
