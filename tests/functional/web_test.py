#!/usr/bin/env python3
"""The web view as its users meet it: the JSON under /api/ (the RPC's
shapes), hostile URLs, /metrics, the /events stream, caps, and every page
in a real browser (headless chromium) with a block mined and a
reorganisation happening while the page is open. Screenshots go to
CB_SHOTS (default: web-shots/ in the build), never into the tree."""
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from framework import BIN, Node, RpcError, new_address, newkey, read_runfiles, tool  # noqa: E402

SHOTS = os.environ.get("CB_SHOTS", os.path.join(BIN, "web-shots"))


def events(node, timeout=30):
    """A raw /events connection: a socket and a reader of its events."""
    s = socket.create_connection(("127.0.0.1", node.web_port), timeout=timeout)
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""

    def read_event():
        nonlocal buf
        while True:
            m = re.search(rb"event: (\w+)\r?\n(?:id: \d+\r?\n)?data: ([^\r\n]*)\r?\n\r?\n", buf)
            if m:
                buf = buf[m.end():]
                return m.group(1).decode(), json.loads(m.group(2))
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("events stream closed")
            buf += chunk
    return s, read_event


class WebApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="cb-web-")
        cls.node = Node(os.path.join(cls.dir, "a"), extra=["-connect=0"])
        cls.node.start()
        cls.addr = new_address()
        cls.node.rpc("generatetoaddress", 3, cls.addr)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_shapes_are_the_rpcs(self):
        n = self.node
        tip = n.rpc("getbestblockhash")
        st, b = n.web_json("/api/block/" + tip)
        self.assertEqual(st, 200)
        rpc = n.rpc("getblock", tip, 2)
        for k, v in rpc.items():
            self.assertEqual(b[k], v, k)
        self.assertEqual(b["hex"], n.rpc("getblock", tip, 0))
        self.assertEqual(b["status"], "active")
        self.assertTrue(b["checks"])
        st, o = n.web_json("/api/overview")
        self.assertEqual(o["chain"], n.rpc("getblockchaininfo"))
        height = n.rpc("getblockcount")
        self.assertEqual([r["height"] for r in o["recent"]], list(range(height + 1)))
        st, a = n.web_json("/api/address/" + self.addr)
        self.assertEqual(st, 200)
        self.assertEqual(a["balance"], n.rpc("getaccount", self.addr)["balance"])
        mine = [t["txid"] for h in range(1, height + 1)
                for t in n.rpc("getblock", n.rpc("getblockhash", h), 2)["tx"]
                if self.addr in (t["sender"], t["recipient"])]
        self.assertEqual(sorted(x["txid"] for x in a["history"]), sorted(mine))
        cb = rpc["tx"][0]["txid"]
        st, t = n.web_json("/api/tx/" + cb)
        self.assertEqual((st, t["status"], t["blockhash"]), (200, "confirmed", tip))
        st, page = n.web_json("/api/blocks?page=0&size=2")
        self.assertEqual([x["height"] for x in page["blocks"]], [height, height - 1])
        self.assertEqual(page["pages"], (height + 2) // 2)
        st, page = n.web_json("/api/blocks?page=500")
        self.assertEqual((st, page["blocks"]), (200, []))
        st, tr = n.web_json("/api/tree?n=2")
        self.assertEqual(sorted(x["height"] for x in tr["nodes"]), [height - 2, height - 1, height])
        self.assertTrue(all(x["status"] == "active" for x in tr["nodes"]))
        st, s = n.web_json("/api/search?q=2")
        self.assertEqual(s, {"kind": "height", "id": "2"})
        st, s = n.web_json("/api/search?q=" + self.addr)
        self.assertEqual(s["kind"], "address")

    def test_a_payment_pending_then_in_the_mempool_page(self):
        n = self.node
        k = newkey()
        n.rpc("generatetoaddress", 1, k["address"])
        acct = n.rpc("getaccount", k["address"])
        raw = tool("signtx", k["private"], self.addr, "1", "0.001", str(acct["nonce"])).strip()
        txid = n.rpc("sendrawtransaction", raw)
        st, m = n.web_json("/api/mempool")
        self.assertEqual(m["info"]["size"], 1)
        self.assertEqual(m["txs"][0]["txid"], txid)
        self.assertEqual(m["next_block"]["count"], 1)
        st, t = n.web_json("/api/tx/" + txid)
        self.assertEqual(t["status"], "pending")
        n.rpc("generatetoaddress", 1, self.addr)
        st, t = n.web_json("/api/tx/" + txid)
        self.assertEqual((t["status"], t["confirmations"]), ("confirmed", 1))
        # A refused payment: the page says why, as the stream did.
        s, read = events(n)
        self.addCleanup(s.close)
        self.assertEqual(read()[0], "hello")
        bad = tool("signtx", k["private"], self.addr, "1", "0.001", "7").strip()
        bad_id = hashlib.sha256(hashlib.sha256(bytes.fromhex(bad)).digest()).digest()[::-1].hex()
        with self.assertRaises(RpcError):
            n.rpc("sendrawtransaction", bad)
        kind, data = read()
        self.assertEqual((kind, data["txid"], data["reason"]), ("tx_refused", bad_id,
                                                                "bad-txns-nonce"))
        st, t = n.web_json("/api/tx/" + bad_id)
        self.assertEqual((st, t["status"], t["reason"]), (200, "refused", "bad-txns-nonce"))
        st, m = n.web_json("/api/mempool")
        self.assertEqual((m["refused"][0]["id"], m["refused"][0]["kind"]), (bad_id, "tx"))
        self.assertIn("nonce 7, but this account's next nonce is", t["message"])

    def test_refused_headers_and_blocks_say_why(self):
        """A header refused at the door (never kept) and a block found
        invalid both have a page that gives the node's sentence."""
        import wire
        # A node of its own: the invalid block stays in its tree.
        n = Node(os.path.join(self.dir, "refusals"), extra=["-connect=0"])
        n.start()
        self.addCleanup(n.stop)
        n.rpc("generatetoaddress", 2, self.addr)
        tip = n.rpc("getbestblockhash")
        hdr = n.rpc("getblockheader", tip)
        raw, h = wire.make_block(tip, hdr["height"] + 1, hdr["time"] + 1, valid_pow=False)
        p = wire.Peer(n.p2p_port, source="127.0.0.77")
        p.handshake(hdr["height"])
        p.send("headers", wire.compact(1) + raw[:80] + b"\0")
        self.assertTrue(p.closed())
        p.close()
        deadline = time.time() + 10
        while time.time() < deadline and n.web("/api/block/" + h)[0] != 200:
            time.sleep(0.05)
        st, b = n.web_json("/api/block/" + h)
        self.assertEqual((st, b["status"], b["kind"], b["reason"]),
                         (200, "refused", "header", "high-hash"))
        self.assertIn("is above the target 7fffff", b["message"])
        self.assertIn("peer 127.0.0.77:", b["message"])
        st, m = n.web_json("/api/mempool")
        self.assertIn(("header", h), [(r["kind"], r["id"]) for r in m["refused"]])
        # One record for the lie and its ban, not one each.
        self.assertEqual(sum("peer 127.0.0.77:" in r["message"] for r in m["refused"]), 1)
        # A block whose coinbase pays too much: kept as invalid, with the numbers.
        raw, h = wire.make_block(tip, hdr["height"] + 1, hdr["time"] + 1, amount=999 * wire.COIN,
                                 tag=b"web-bad")
        self.assertEqual(n.rpc("submitblock", raw.hex()), "bad-cb-amount")
        st, b = n.web_json("/api/block/" + h)
        self.assertEqual((st, b["status"], b["reason"]), (200, "invalid", "bad-cb-amount"))
        self.assertIn("the coinbase pays 999.00000000 CB, but the reward at height %d is "
                      "20.00000000 CB" % (hdr["height"] + 1), b["message"])
        self.assertEqual(n.rpc("getbestblockhash"), tip)

    def test_hostile_urls(self):
        n = self.node
        for path, want in [
            ("/api/block/zz", 400), ("/api/block/" + "0" * 64, 404), ("/api/block/" + "g" * 64, 400),
            ("/api/block/" + "0" * 65, 400), ("/api/tx/" + "ab" * 32, 404), ("/api/tx/%00", 400),
            ("/api/address/notanaddress", 400), ("/api/address/" + "x" * 500, 404),
            ("/api/blocks?page=-1", 400), ("/api/blocks?page=99999999999", 400),
            ("/api/blocks?size=0", 400), ("/api/blocks?size=101", 400), ("/api/tree?n=0", 400),
            ("/api/tree?n=2001", 400), ("/api/tree?n=1e3", 400), ("/api/height/4294967296", 400), ("/api/height/999999999", 404),
            ("/api/height/-1", 400), ("/api/search", 400), ("/api/nothing", 404),
            ("/api/block/" + "0" * 64 + "/x", 404), ("/nothing", 404), ("/static/../web.c", 404),
            ("/" + "a" * 3000, 404),
        ]:
            status, headers, body = n.web(path)
            self.assertEqual(status, want, path)
            if path.startswith("/api/"):
                self.assertIn("message", json.loads(body)["error"], path)
        for method in ("POST", "PUT", "DELETE"):
            c = http.client.HTTPConnection("127.0.0.1", n.web_port, timeout=10)
            c.request(method, "/api/overview", body=b"{}")
            self.assertEqual(c.getresponse().status, 405, method)
            c.close()
        # Raw junk and a header flood get an error, and the view serves on.
        for junk in (b"\x00\xff garbage\r\n\r\n", b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 70000 +
                     b"\r\n\r\n"):
            s = socket.create_connection(("127.0.0.1", n.web_port), timeout=10)
            try:
                s.sendall(junk)
                s.recv(100)
            except OSError:
                pass
            s.close()
        self.assertEqual(n.web("/api/overview")[0], 200)
        self.assertEqual(n.rpc("getblockcount"), n.web_json("/api/overview")[1]["chain"]["blocks"])

    def test_metrics(self):
        n = self.node
        status, headers, body = n.web("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        text = body.decode()
        values = dict(re.findall(r"^(coinbit_\w+(?:\{[^}]*\})?) (\S+)$", text, re.M))
        self.assertEqual(float(values["coinbit_blocks"]), n.rpc("getblockcount"))
        for name in ("coinbit_headers", 'coinbit_peers{direction="in"}',
                     'coinbit_peers{direction="out"}', "coinbit_mempool_transactions",
                     "coinbit_mempool_bytes", "coinbit_blocks_connected_total",
                     "coinbit_blocks_disconnected_total", "coinbit_reorganizations_total",
                     "coinbit_bans", "coinbit_hashrate", "coinbit_rpc_calls_total"):
            self.assertIn(name, values)
        before = float(values["coinbit_rpc_calls_total"])
        n.rpc("getblockcount")
        after = dict(re.findall(r"^(coinbit_\w+) (\S+)$", n.web("/metrics")[2].decode(), re.M))
        self.assertGreaterEqual(float(after["coinbit_rpc_calls_total"]), before + 1)

    def test_events_stream(self):
        n = self.node
        s, read = events(n)
        try:
            kind, hello = read()
            self.assertEqual(kind, "hello")
            self.assertEqual(hello["height"], n.rpc("getblockcount"))
            h = n.rpc("generatetoaddress", 1, self.addr)[0]
            seen = {}
            while "tip" not in seen:
                kind, data = read()
                seen[kind] = data
            self.assertEqual(seen["block_connected"]["hash"], h)
            self.assertEqual(seen["tip"]["hash"], h)
        finally:
            s.close()

    def test_event_clients_are_capped(self):
        n = self.node
        held = []
        try:
            for _ in range(32):
                s, read = events(n)
                self.assertEqual(read()[0], "hello")
                held.append(s)
            status, _, _ = n.web("/events", timeout=10)
            self.assertEqual(status, 503)
            self.assertEqual(n.web("/api/overview")[0], 200)  # pages still served
        finally:
            for s in held:
                s.close()
        for _ in range(50):  # closed streams free their slots
            if n.web("/metrics")[2].decode().find("coinbit_web_event_clients 0") >= 0:
                break
            time.sleep(0.1)
        s, read = events(n)
        self.assertEqual(read()[0], "hello")
        s.close()

    def test_a_client_that_never_reads_is_cut(self):
        n = Node(os.path.join(self.dir, "flood"), extra=["-connect=0"])
        n.start()
        self.addCleanup(n.stop)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", n.web_port))
        s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        # Thousands of events while it reads nothing: the node cuts it
        # rather than queue them all (the stream counts drop to 0).
        cut = False
        for _ in range(40):
            n.rpc("generatetoaddress", 100, self.addr)
            m = re.search(r"coinbit_web_event_clients (\d+)", n.web("/metrics")[2].decode())
            if m.group(1) == "0":
                cut = True
                break
        s.close()
        self.assertTrue(cut, "a never-reading events client was never cut")

    def test_off_and_port_zero(self):
        d = os.path.join(self.dir, "off")
        off = Node(d, extra=["-connect=0", "-web=0"])
        off.start()
        try:
            self.assertEqual(read_runfiles(off.netdir)["webport"], 0)
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", off.web_port), timeout=2).close()
        finally:
            off.stop()
        anyp = Node(os.path.join(self.dir, "any"), extra=["-connect=0"], any_port=True)
        anyp.start()
        try:
            self.assertNotIn(anyp.web_port, (0, None))
            self.assertEqual(anyp.web("/api/overview")[0], 200)
        finally:
            anyp.stop()


class WebBrowserTest(unittest.TestCase):
    """Every page in headless chromium, checked after its JavaScript ran."""

    @classmethod
    def setUpClass(cls):
        from browser import Browser
        cls.dir = tempfile.mkdtemp(prefix="cb-webui-")
        cls.a = Node(os.path.join(cls.dir, "a"), extra=["-connect=0"])
        cls.b = Node(os.path.join(cls.dir, "b"), extra=["-connect=0"])
        cls.a.start()
        cls.b.start()
        cls.browser = Browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        for n in (cls.a, cls.b):
            if n.running():
                n.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def url(self, node, frag=""):
        return "http://127.0.0.1:%d/%s" % (node.web_port, frag)

    def shot(self, page, name):
        page.screenshot(os.path.join(SHOTS, name + ".png"))

    def test_pages_live_and_a_reorganisation(self):
        a, b = self.a, self.b
        addr = new_address()
        p = self.browser.open(self.url(a))
        # Zero blocks: the overview still draws.
        p.wait("document.getElementById('height') && document.getElementById('height')"
               ".textContent === '0'")
        p.wait("document.getElementById('live').textContent === 'live'")
        self.shot(p, "overview-empty")
        p.eval("window.__same_page = 1")
        a.rpc("generatetoaddress", 2, addr)
        # The block shows up without a reload (the same page object).
        p.wait("document.getElementById('height').textContent === '2' && window.__same_page === 1")
        p.wait("document.querySelectorAll('#eventlog li[data-type=tip]').length >= 1")
        self.shot(p, "overview")
        # The tree, open while a heavier branch arrives from b.
        p.goto(self.url(a, "#/tree"))
        p.wait("document.querySelectorAll('#tree g.block.active').length === 3")
        old_tip = a.rpc("getbestblockhash")
        p.eval("window.__same_page = 2")
        b.rpc("generatetoaddress", 4, new_address())
        b_tip = b.rpc("getbestblockhash")
        a.rpc("addnode", b.address(), "onetry")
        p.wait("document.querySelector('#tree g.block.tip') && document.querySelector("
               "'#tree g.block.tip').dataset.hash === '%s' && window.__same_page === 2" % b_tip,
               timeout=60)
        stale = p.eval("[...document.querySelectorAll('#tree g.block.valid-fork')]"
                       ".map(g => g.dataset.hash)")
        self.assertIn(old_tip, stale)
        self.assertEqual(len(stale), 2)
        p.wait("document.querySelectorAll('#eventlog li[data-type=reorg]').length === 1")
        p.wait("document.querySelectorAll('#eventlog li[data-type=peer_connected]').length === 1")
        self.shot(p, "tree-reorg")
        # Each page draws with no error.
        tip = a.rpc("getbestblockhash")
        block = a.rpc("getblock", tip, 2)
        checks = [
            ("#/blocks", "document.querySelectorAll('#blocks tr[data-hash]').length === 5"),
            ("#/block/" + tip, "document.querySelector('#checks li') && document.querySelector("
             "'tr[data-field=hash] td.mono').textContent === '%s'" % tip),
            ("#/tx/" + block["tx"][0]["txid"], "document.body.innerText.includes('confirmed')"),
            ("#/address/" + block["tx"][0]["recipient"],
             "document.querySelectorAll('#history tr').length >= 2"),
            ("#/mempool", "document.getElementById('empty') !== null"),
            ("#/peers", "document.querySelectorAll('#peers tr[data-id]').length === 1 && "
             "document.querySelector('table.permsg tr[data-msg=version]') !== null"),
            ("#/network?nodes=127.0.0.1:%d" % b.web_port,
             "document.querySelectorAll('#nodes tr').length === 3 && "
             "document.querySelector('#tree .who') !== null"),
            ("#/block/" + "0" * 64, "document.getElementById('error') !== null"),
        ]
        for frag, ready in checks:
            p.goto(self.url(a, frag))
            p.wait("document.getElementById('view').dataset.rendered && (%s)" % ready)
            if "0" * 64 not in frag:
                self.assertIsNone(p.eval("document.getElementById('error') && "
                                         "document.getElementById('error').textContent"), frag)
            self.shot(p, re.sub(r"[^a-z]+", "-", frag.split("?")[0].strip("#/"))[:20] or "page")
        self.assertEqual(p.console, [])
        p.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
