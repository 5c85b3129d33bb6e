#!/usr/bin/env python3
"""coinbitd and coinbit-cli as a person uses them: real processes on
127.0.0.1 with ephemeral ports and a temporary data directory. Python 3
standard library only."""
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from framework import (BIN, Node, RpcError, free_port, new_address, newkey,  # noqa: E402
                       read_runfiles, tool)

CLI = os.path.join(BIN, "coinbit-cli")
COINBITD = os.path.join(BIN, "coinbitd")
COIN = 100_000_000


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def coinbase_block(prev_hex, height, t, tag):
    """A coinbase-only regtest block: no signature needed."""
    cb = (struct.pack("<I", 1) + b"\0" * 33 + bytes([0x42]) * 20 +
          struct.pack("<QQQQ", 20 * COIN, 0, height, t) + tag.ljust(64, b"\0"))
    merkle = sha256d(cb)
    target = 0x7FFFFF << (8 * (0x20 - 3))
    for nonce in range(1 << 20):
        header = (struct.pack("<I", 1) + bytes.fromhex(prev_hex)[::-1] + merkle +
                  struct.pack("<III", t, 0x207FFFFF, nonce))
        if int.from_bytes(sha256d(header), "little") <= target:
            return (header + b"\x01" + cb).hex(), sha256d(header)[::-1].hex()
    raise RuntimeError("no nonce")


class NodeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cb-node-")
        self.node = Node(self.dir)
        self.node.start()

    def tearDown(self):
        if self.node.proc and self.node.proc.poll() is None:
            self.node.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def signup_and_fund(self):
        n = self.node
        alice = json.loads(n.cli("createuser", "Alice", "alice@example.org", "alice",
                                 "correct horse").stdout)["address"]
        bob = json.loads(n.cli("createuser", "Bob", "bob@example.org", "bob",
                               "battery staple").stdout)["address"]
        n.cli("generatetoaddress", "3", alice)
        return alice, bob

    def balances_from_blocks(self):
        """Replays the best chain from genesis: balances per address."""
        n = self.node
        bal = {}
        for h in range(n.rpc("getblockcount") + 1):
            block = n.rpc("getblock", n.rpc("getblockhash", h), 2)
            for tx in block["tx"]:
                units = round(tx["amount"] * COIN)
                fee = round(tx["fee"] * COIN)
                if tx["sender"] != "coinbase":
                    bal[tx["sender"]] = bal.get(tx["sender"], 0) - units - fee
                bal[tx["recipient"]] = bal.get(tx["recipient"], 0) + units
        return bal

    def assert_state_is_replay(self):
        for addr, units in self.balances_from_blocks().items():
            got = round(self.node.rpc("getaccount", addr)["balance"] * COIN)
            self.assertEqual(got, units, addr)

    def test_signup_mine_send_restart(self):
        n = self.node
        alice, bob = self.signup_and_fund()
        txid = n.cli("send", "alice", "correct horse", "bob", "5.5").stdout.strip()
        self.assertEqual(len(txid), 64)
        self.assertIn(txid, n.rpc("getrawmempool"))
        self.assertEqual(n.rpc("getrawtransaction", txid)["amount"], 5.5)
        n.cli("generatetoaddress", "1", alice)
        self.assertEqual(n.rpc("getmempoolinfo")["size"], 0)
        w = json.loads(n.cli("getwalletinfo", "bob").stdout)
        self.assertEqual(w["balance"], 5.5)
        w = json.loads(n.cli("getwalletinfo", "alice").stdout)
        self.assertEqual(w["balance"], 80 - 5.5)  # the fee came back to alice, the miner
        self.assertEqual(w["nonce"], 1)
        self.assert_state_is_replay()
        # Restart (SIGTERM: a clean stop, exit 0): everything is still there.
        tip = n.rpc("getbestblockhash")
        n.proc.send_signal(signal.SIGTERM)
        self.assertEqual(n.proc.wait(timeout=30), 0)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "regtest", ".cookie")))
        n.start()
        self.assertEqual(n.rpc("getbestblockhash"), tip)
        self.assertEqual(n.rpc("getaccount", bob)["balance"], 5.5)
        self.assertEqual(n.rpc("checklogin", "bob", "battery staple")["address"], bob)
        self.assertEqual(n.rpc("getrawtransaction", txid)["confirmations"], 1)
        with open(os.path.join(self.dir, "regtest", "debug.log")) as f:
            self.assertIn("loaded 5 stored headers and the wallet table", f.read())

    def test_competing_branches(self):
        n = self.node
        alice, bob = self.signup_and_fund()            # blocks 1..3 to alice
        txid = n.rpc("send", "alice", "correct horse", bob, 7)
        # A second payment needs block 3's reward: branch B will not have it.
        big = n.rpc("send", "alice", "correct horse", bob, 45)
        n.rpc("generatetoaddress", 1, alice)           # block 4 confirms both
        self.assertEqual(n.rpc("getaccount", bob)["balance"], 52)
        later = n.rpc("send", "alice", "correct horse", bob, 1)  # pending, after both
        fork = n.rpc("getblockhash", 2)
        # Branch B from block 2: three blocks, heavier than A's two.
        prev, t = fork, int(time.time()) + 100
        hashes = []
        for h in (3, 4, 5):
            raw, prev = coinbase_block(prev, h, t + h, b"branch B")
            self.assertIsNone(n.rpc("submitblock", raw))
            hashes.append(prev)
        self.assertEqual(n.rpc("getbestblockhash"), hashes[-1])
        tips = n.rpc("getchaintips")
        self.assertEqual(tips[0], {"height": 5, "hash": hashes[-1], "branchlen": 0,
                                   "status": "active"})
        self.assertEqual([(t["height"], t["branchlen"], t["status"]) for t in tips[1:]],
                         [(4, 2, "valid-fork")])
        self.assertEqual(n.rpc("getaccount", bob)["balance"], 0)
        self.assertEqual(n.rpc("getaccount", alice)["balance"], 40)
        self.assertIn(txid, n.rpc("getrawmempool"))     # the payment came back
        # The one B cannot pay for is gone, and so is the later one that
        # followed it (its nonce now has a gap); the table says so.
        self.assertEqual(n.rpc("getrawmempool"), [txid])
        status = {t["txid"]: t["status"] for t in n.rpc("listtransactions", "bob")}
        self.assertEqual((status[txid], status[big], status[later]),
                         ("pending", "rejected", "rejected"))
        self.assert_state_is_replay()
        # Submitting again, or a block with a wrong merkle root.
        self.assertEqual(n.rpc("submitblock", raw), "duplicate")
        bad, _ = coinbase_block(prev, 6, t + 10, b"bad")
        bad = bad[:72] + ("0" if bad[72] != "0" else "1") + bad[73:]
        self.assertIn(n.rpc("submitblock", bad), ("bad-txnmrklroot", "high-hash"))
        # Mining on B confirms the returned payment.
        n.rpc("generatetoaddress", 1, alice)
        self.assertEqual(n.rpc("getaccount", bob)["balance"], 7)
        self.assert_state_is_replay()

    def test_reorg_returns_payments_in_order(self):
        """Payments of one sender in two blocks that a reorganisation takes
        away both come back (the older block's first), and confirm."""
        n = self.node
        alice, bob = self.signup_and_fund()            # blocks 1..3 to alice
        p1 = n.rpc("send", "alice", "correct horse", bob, 1)
        n.rpc("generatetoaddress", 1, alice)           # block 4: nonce 0
        p2 = n.rpc("send", "alice", "correct horse", bob, 2)
        n.rpc("generatetoaddress", 1, alice)           # block 5: nonce 1
        prev, t = n.rpc("getblockhash", 3), int(time.time()) + 100
        for h in (4, 5, 6):
            raw, prev = coinbase_block(prev, h, t + h, b"branch B")
            self.assertIsNone(n.rpc("submitblock", raw))
        self.assertEqual(n.rpc("getbestblockhash"), prev)
        self.assertEqual(sorted(n.rpc("getrawmempool")), sorted([p1, p2]))
        status = {x["txid"]: x["status"] for x in n.rpc("listtransactions", "bob")}
        self.assertEqual((status[p1], status[p2]), ("pending", "pending"))
        n.rpc("generatetoaddress", 1, alice)
        self.assertEqual(n.rpc("getaccount", bob)["balance"], 3)
        self.assert_state_is_replay()

    def test_kill_during_mining_and_send(self):
        n = self.node
        alice, bob = self.signup_and_fund()
        for round_ in range(3):
            miner = subprocess.Popen([CLI, "-regtest", "-datadir=" + self.dir,
                                      "-rpcport=%d" % n.port, "generatetoaddress", "300", alice],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            n.rpc("send", "alice", "correct horse", bob, 1)
            time.sleep(0.2 + 0.2 * round_)
            n.kill()
            miner.wait(timeout=30)
            n.start()
            self.assert_state_is_replay()
        self.assertGreater(n.rpc("getblockcount"), 3)

    def test_long_calls_leave_the_loop_free(self):
        """generatetoaddress and the password calls run off the event loop:
        other clients are answered while they run, the chain grows under
        them, and a stop during one ends the node cleanly."""
        n = self.node
        alice, _ = self.signup_and_fund()
        start = n.rpc("getblockcount")
        result = {}

        def generate():
            try:
                result["hashes"] = n.rpc("generatetoaddress", 1000, alice)
            except (OSError, RpcError) as e:
                result["error"] = e

        t = threading.Thread(target=generate)
        t.start()
        seen = set()
        login = None
        while t.is_alive():
            seen.add(n.rpc("getblockcount"))
            if login is None and len(seen) > 2:
                # Argon2id on a worker while the other worker mines.
                n.rpc("createuser", "Carol", "carol@example.org", "carol", "a long password")
                login = n.rpc("checklogin", "carol", "a long password")
                live = t.is_alive()
        t.join()
        self.assertNotIn("error", result)
        self.assertEqual(len(result["hashes"]), 1000)
        self.assertEqual(n.rpc("getblockcount"), start + 1000)
        # Heights strictly between start and end were seen while the call was
        # still running: the loop answered in between its blocks.
        self.assertGreater(len([h for h in seen if start < h < start + 1000]), 2, seen)
        self.assertEqual(login["username"], "carol")
        self.assertTrue(live, "the login waited for the whole generate call")
        self.assertEqual(n.rpc("getblockhash", start + 1000), result["hashes"][-1])
        self.assert_state_is_replay()
        # A batch mixes quick and long calls, and answers in order.
        status, reply = n.http(json.dumps([
            {"id": 1, "method": "generatetoaddress", "params": [2, alice]},
            {"id": 2, "method": "getblockcount", "params": []},
            {"id": 3, "method": "checklogin", "params": ["carol", "wrong password"]},
            {"id": 4, "method": "generatetoaddress", "params": [0, alice]},
        ]).encode())
        self.assertEqual(status, 200)
        self.assertEqual([r["id"] for r in reply], [1, 2, 3, 4])
        self.assertEqual(len(reply[0]["result"]), 2)
        self.assertEqual(reply[2]["error"]["code"], -14)
        self.assertEqual(reply[3]["result"], [])
        # stop while a long call runs: the node exits 0 (no leak under ASan).
        t = threading.Thread(target=generate)
        result.clear()
        t.start()
        before = n.rpc("getblockcount")
        while n.rpc("getblockcount") < before + 5:
            time.sleep(0.01)
        n.stop()
        t.join(timeout=60)
        self.assertFalse(t.is_alive())
        self.assertNotIn("hashes", result)
        n.start()
        self.assert_state_is_replay()

    def test_bad_input(self):
        n = self.node
        alice, bob = self.signup_and_fund()
        status, reply = n.http(b"{not json")
        self.assertEqual((status, reply["error"]["code"]), (500, -32700))
        status, _ = n.http(b'{"method":"getblockcount","params":[]}', auth=False)
        self.assertEqual(status, 401)
        status, reply = n.http(b'{"jsonrpc":"2.0","id":7,"method":"nosuch","params":[]}')
        self.assertEqual((status, reply["error"]["code"], reply["id"]), (200, -32601, 7))
        cases = [
            (("getblockhash", "abc"), -3),
            (("getblockhash", 99999), -8),
            (("getblock", "zz"), -8),
            (("getaccount", "xyz"), -5),
            (("getaccount", alice.replace(alice[5], "1" if alice[5] != "1" else "2")), -5),
            (("send", "alice", "correct horse", bob, -1), -3),
            (("send", "alice", "correct horse", bob, "0.000000001"), -3),
            (("send", "alice", "correct horse", bob, 1e9), -3),
            (("send", "alice", "correct horse", bob, 1000), -6),
            (("send", "alice", "wrong", bob, 1), -14),
            (("send", "alice", "correct horse", "nobody", 1), -5),
            (("sendrawtransaction", "zz"), -22),
            (("sendrawtransaction", "00" * 153), -26),
            (("submitblock", "00"), -22),
            (("createuser", "X", "not-an-email", "xuser", "password1"), -8),
            (("createuser", "X", "x@example.org", "alice", "password1"), -8),
            (("generatetoaddress", 1), -32602),
            (("setgenerate", "yes"), -3),
        ]
        for (method, *params), code in cases:
            with self.assertRaises(RpcError, msg=method) as ctx:
                n.rpc(method, *params)
            self.assertEqual(ctx.exception.code, code, (method, params))
        # Batches are bounded; oversize headers are refused before any call.
        one = {"id": 1, "method": "getblockcount", "params": []}
        status, reply = n.http(json.dumps([one] * 1000).encode())
        self.assertEqual((status, len(reply)), (200, 1000))
        status, reply = n.http(json.dumps([one] * 1001).encode())
        self.assertEqual((status, reply["error"]["code"]), (400, -32600))
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=10)
        try:
            conn.putrequest("POST", "/")
            conn.putheader("Authorization", "Basic " + n.auth())
            conn.putheader("X-Padding", "x" * 20000)
            conn.putheader("Content-Length", "2")
            conn.endheaders(b"{}")
            status = conn.getresponse().status
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            status = 400  # refused before we finished sending: as good
        self.assertGreaterEqual(status, 400)
        conn.close()
        # Wrong credentials are logged at most once a second, with a count.
        for _ in range(40):
            n.http(b'{"method":"getblockcount","params":[]}', auth=False)
        with open(os.path.join(n.netdir, "debug.log")) as f:
            refusals = [ln for ln in f if "wrong credentials" in ln]
        self.assertLess(len(refusals), 20)
        # After all of it the node still serves.
        self.assertEqual(n.rpc("getblockcount"), 3)
        p = n.cli("getaccount", "xyz", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("error code: -5", p.stderr)

    def test_continuous_mining(self):
        n = self.node
        alice, _ = self.signup_and_fund()
        n.stop()
        n.extra = ["-mine", "-mineto=" + alice]
        n.start()
        for _ in range(100):
            if n.rpc("getblockcount") >= 8:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(n.rpc("getblockcount"), 8)
        self.assertTrue(n.rpc("getmininginfo")["generate"])
        # Off means off: no block lands once setgenerate false has answered,
        # however often it is switched.
        for _ in range(5):
            n.rpc("setgenerate", True, 2)
            self.assertEqual(n.rpc("getmininginfo")["genproclimit"], 2)
            n.rpc("setgenerate", False)
            height = n.rpc("getblockcount")
            time.sleep(0.3)
            self.assertEqual(n.rpc("getblockcount"), height)
            self.assertFalse(n.rpc("getmininginfo")["generate"])
        self.assert_state_is_replay()


class ExplainTest(unittest.TestCase):
    """explain, testmempoolaccept and getrejections: every refusal keeps
    its reason code and says, with numbers, what broke the rule."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cb-explain-")
        self.node = Node(self.dir, extra=["-connect=0"])
        self.node.start()

    def tearDown(self):
        self.node.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_refusals_explained(self):
        n = self.node
        k = newkey()
        n.rpc("generatetoaddress", 1, k["address"])
        to = newkey()["address"]

        def sign(amount, fee, nonce):
            return tool("signtx", k["private"], to, amount, fee, str(nonce)).strip()

        good = sign("1", "0.0001", 0)
        [r] = n.rpc("testmempoolaccept", [good])
        self.assertTrue(r["allowed"])
        self.assertEqual(n.rpc("getrawmempool"), [])  # a test sends nothing
        cases = [
            (sign("1", "0.0001", 5), "bad-txns-nonce",
             "nonce 5, but this account's next nonce is 0: an earlier payment is missing"),
            (sign("1", "0.000005", 0), "min-fee-not-met",
             "fee 0.00000500 CB is below the minimum of 0.00001000 CB"),
            (sign("25", "0.0001", 0), "bad-txns-balance",
             "the sender has 20.00000000 CB, but this payment needs 25.00010000 CB"),
            ("00" * 153, "bad-txns-coinbase", "a coinbase comes only first in a block"),
            ("abc", "TX decode failed", None),
        ]
        got = n.rpc("testmempoolaccept", [c[0] for c in cases])
        for (hexed, reason, words), r in zip(cases, got):
            self.assertFalse(r["allowed"], reason)
            self.assertEqual(r["reject-reason"], reason)
            if words:
                self.assertIn(words, r["message"])
        # Sent for real: the error says it, the refusal is kept, explain
        # and the web view tell the same.
        bad = cases[0][0]
        with self.assertRaises(RpcError) as ctx:
            n.rpc("sendrawtransaction", bad)
        self.assertIn("bad-txns-nonce: nonce 5, but this account's next nonce is 0",
                      str(ctx.exception))
        rej = n.rpc("getrejections")
        self.assertEqual((rej[0]["kind"], rej[0]["reason"]), ("tx", "bad-txns-nonce"))
        e = n.rpc("explain", rej[0]["id"])
        self.assertEqual(e["status"], "refused")
        self.assertIn("nonce 5, but", e["explanation"])
        txid = n.rpc("sendrawtransaction", good)
        e = n.rpc("explain", txid)
        self.assertEqual(e["status"], "pending")
        self.assertEqual(e["explanation"], "waiting in the mempool with fee 0.00010000 CB: "
                         "nonce 0, the sender's next confirmed nonce is 0")
        tip = n.rpc("generatetoaddress", 1, to)[0]
        e = n.rpc("explain", txid)
        self.assertEqual((e["status"], e["explanation"]),
                         ("confirmed", "accepted in block 2 with 1 confirmation"))
        e = n.rpc("explain", tip)
        self.assertEqual(e["explanation"], "in the active chain at height 2 with 1 confirmation")
        self.assertEqual(n.rpc("explain", "ab" * 32)["status"], "unknown")
        self.assertEqual(n.rpc("explain", sign("1", "0.0001", 1))["status"], "new")
        with self.assertRaises(RpcError):
            n.rpc("explain", "zz")
        # A block with a payment changed after its header was made: the
        # block is refused, kept, and explained.
        raw, h = coinbase_block(tip, 3, int(time.time()) + 10, b"explain")
        broken = raw[:-2] + ("00" if raw[-2:] != "00" else "01")
        self.assertEqual(n.rpc("submitblock", broken), "bad-txnmrklroot")
        rej = n.rpc("getrejections", 1)
        self.assertEqual((rej[0]["kind"], rej[0]["id"]), ("block", h))
        self.assertRegex(rej[0]["message"], "^the header's merkle root is [0-9a-f]{64}, but its 1 "
                         "payments hash to [0-9a-f]{64}$")
        e = n.rpc("explain", h)
        self.assertEqual(e["status"], "refused")
        self.assertIn("bad-txnmrklroot", e["explanation"])


class MockTimeTest(unittest.TestCase):
    """-mocktime and setmocktime (Core's): the node's clock set by hand,
    on regtest only, so a lesson's story comes out the same twice."""

    def test_the_clock_is_set_and_given_back(self):
        d = tempfile.mkdtemp(prefix="cb-mock-")
        start = 1795393000  # after genesis, before today: both clocks can follow it
        n = Node(d, extra=["-connect=0", "-mocktime=%d" % start])
        try:
            n.start()
            addr = newkey()["address"]
            h = n.rpc("generatetoaddress", 1, addr)[0]
            self.assertEqual(n.rpc("getblockheader", h)["time"], start)
            n.rpc("setmocktime", start + 600)
            h = n.rpc("generatetoaddress", 1, addr)[0]
            self.assertEqual(n.rpc("getblockheader", h)["time"], start + 600)
            # The same steps on the same clock make the same blocks' times.
            n.rpc("setmocktime", 0)
            h = n.rpc("generatetoaddress", 1, addr)[0]
            # Back on the real clock, but never before its parent's median.
            self.assertGreater(n.rpc("getblockheader", h)["time"], start)
            with self.assertRaises(RpcError):
                n.rpc("setmocktime", -5)
            n.stop()
            # Main moves its clock only when started with one set by hand
            # (the retarget lesson's private network); else it refuses.
            m = Node(os.path.join(d, "main"), extra=["-connect=0"], network="main")
            m.start()
            with self.assertRaises(RpcError) as cm:
                m.rpc("setmocktime", start)
            self.assertIn("started with -mocktime", str(cm.exception))
            m.stop()
            m.extra.append("-mocktime=%d" % start)
            m.start()
            h = m.rpc("generatetoaddress", 1, new_address("main"))[0]
            self.assertEqual(m.rpc("getblockheader", h)["time"], start)
            m.rpc("setmocktime", start + 60)
            h = m.rpc("generatetoaddress", 1, new_address("main"))[0]
            self.assertEqual(m.rpc("getblockheader", h)["time"], start + 60)
            m.stop()
        finally:
            if n.running():
                n.kill()
            shutil.rmtree(d, ignore_errors=True)


class ReorgCrashTest(unittest.TestCase):
    """kill -9 at any moment of a reorganisation of depth 1 to 20, then a
    restart: the SQLite store equals a replay of the node's chain."""

    def test_kill_during_reorganisations(self):
        import sqlite3
        from reorg_crash import crash_loop
        d = tempfile.mkdtemp(prefix="cb-reorg-crash-")
        self.addCleanup(shutil.rmtree, d, True)
        n = Node(d, extra=["-connect=0"])
        n.start()
        self.addCleanup(lambda: n.running() and n.kill())
        path = os.path.join(n.netdir, "coinbit.db")

        def rows(query):
            db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
            try:
                return [tuple(str(v) for v in r) for r in db.execute(query).fetchall()]
            finally:
                db.close()
        depths, walked = crash_loop(self, n, rows, 10, seed=7)
        self.assertIn(20, depths)
        self.assertIn(1, depths)
        print("reorganisations of depths %s; %d restarts walked the store" % (depths, walked),
              file=sys.stderr)
        n.stop()


class StartupCheckTest(unittest.TestCase):
    """-checkblocks, -checklevel and -reindex: a start checks all but the
    signatures of old blocks and everything of the last ones; a damaged
    store stops the node with a sentence naming -reindex, which rebuilds."""

    def log_of_start(self, n):
        with open(n.errlog, errors="replace") as f:
            f.seek(n.errlog_from)
            return f.read()

    def refused_start(self, n, *extra):
        p = subprocess.run(n.args() + list(extra), capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        return p.stderr

    def test_checks_and_reindex(self):
        import sqlite3
        d = tempfile.mkdtemp(prefix="cb-startcheck-")
        self.addCleanup(shutil.rmtree, d, True)
        n = Node(d, extra=["-connect=0"])
        n.start()
        self.addCleanup(lambda: n.running() and n.kill())
        k = newkey()
        n.rpc("generatetoaddress", 3, k["address"])
        for i in range(17):  # blocks 4 to 20, a payment in each
            n.rpc("sendrawtransaction", tool("signtx", k["private"], newkey()["address"], "0.1",
                                             "0.0001", str(i)).strip())
            n.rpc("generatetoaddress", 1, k["address"])
        tip = n.rpc("getbestblockhash")
        balance = n.rpc("getaccount", k["address"])["balance"]
        n.stop()
        n.start()
        log = self.log_of_start(n)
        self.assertIn("14 blocks trusted as this store took them", log)
        self.assertIn("loaded 21 stored headers and the wallet table", log)
        self.assertIn("the last 6 checked at level 3", log)
        n.stop()
        n.extra = ["-connect=0", "-checkblocks=0"]
        n.start()
        self.assertIn("0 blocks trusted", self.log_of_start(n))
        self.assertIn("the last 20 checked at level 3", self.log_of_start(n))
        n.stop()
        for bad in ("-checkblocks=x", "-checklevel=5", "-checklevel=-1"):
            self.assertIn(bad, self.refused_start(n, bad))
        # Core's highest level is taken: the same checks as level 3.
        n.extra = ["-connect=0", "-checklevel=4"]
        n.start()
        self.assertIn("the last 6 checked at level 4", self.log_of_start(n))
        n.stop()

        db = os.path.join(n.netdir, "coinbit.db")

        def sql(statement, *args):
            c = sqlite3.connect(db)
            try:
                c.execute(statement, args)
                c.commit()
            finally:
                c.close()
        # The tip's undo row cut short: level 2 sees it, level 1 does not.
        tip_raw = bytes.fromhex(tip)[::-1]
        good_undo = sqlite3.connect(db).execute("SELECT data FROM undo WHERE block_hash = ?",
                                                (tip_raw,)).fetchone()[0]
        sql("UPDATE undo SET data = x'01' WHERE block_hash = ?", tip_raw)
        n.extra = ["-connect=0"]
        err = self.refused_start(n)
        self.assertIn("block %s at height 20 fails the start-up check at level 2" % tip, err)
        self.assertIn("-reindex", err)
        n.extra = ["-connect=0", "-checklevel=1"]
        n.start()
        self.assertEqual(n.rpc("getbestblockhash"), tip)
        n.stop()
        # A journal that reads but undoes nothing: only level 3 sees it.
        sql("UPDATE undo SET data = x'00' WHERE block_hash = ?", tip_raw)
        n.extra = ["-connect=0", "-checklevel=2"]
        n.start()
        n.stop()
        n.extra = ["-connect=0"]
        err = self.refused_start(n)
        self.assertIn("block %s at height 20 fails the start-up check at level 3" % tip, err)
        n.extra = ["-connect=0", "-checklevel=4"]
        self.assertIn("block %s at height 20 fails the start-up check at level 3" % tip,
                      self.refused_start(n))
        # A wallet row no block made: a check down to genesis sees it.
        sql("UPDATE undo SET data = ? WHERE block_hash = ?", good_undo, tip_raw)
        sql("INSERT INTO wallet VALUES (?, 'made-up', 5, 0)", b"\x07" * 20)
        n.extra = ["-connect=0"]
        n.start()  # the last 6 blocks do not touch it: believed, as Core believes its chainstate
        n.stop()
        n.extra = ["-connect=0", "-checkblocks=0"]
        err = self.refused_start(n)
        self.assertIn("leaves accounts no block made", err)
        n.extra = ["-connect=0", "-reindex"]
        n.start()
        self.assertIn("reindex: every stored block checked in full", self.log_of_start(n))
        self.assertIn("wallet table rebuilt from the blocks", self.log_of_start(n))
        n.stop()
        n.extra = ["-connect=0", "-checkblocks=0"]
        n.start()  # the rows are whole again
        self.assertEqual(n.rpc("getbestblockhash"), tip)
        self.assertEqual(n.rpc("getaccount", k["address"])["balance"], balance)
        n.stop()
        # A byte of a payment in block 5 changed: its merkle root no longer
        # holds. A default start believes block 5 as Core believes its
        # disk, but the body is never served or used: getblock says so.
        c = sqlite3.connect(db)
        h5, data = c.execute("SELECT hash, data FROM blockchain WHERE height = 5 AND active = 1"
                             ).fetchone()
        c.close()
        data = bytearray(data)
        data[-20] ^= 1  # inside the last payment's signature
        sql("UPDATE blockchain SET data = ? WHERE hash = ?", bytes(data), h5)
        n.extra = ["-connect=0"]
        n.start()
        self.assertEqual(n.rpc("getbestblockhash"), tip)
        with self.assertRaises(RpcError) as cm:
            n.rpc("getblock", h5[::-1].hex())
        self.assertIn("Block not available", str(cm.exception))
        n.stop()
        n.extra = ["-connect=0", "-checkblocks=0"]
        err = self.refused_start(n)
        self.assertIn("block %s at height 5 fails the start-up check" % h5[::-1].hex(), err)
        self.assertIn("is not this block", err)
        self.assertIn("start with -reindex", err)
        n.extra = ["-connect=0", "-reindex"]
        n.start()
        self.assertEqual(n.rpc("getblockcount"), 4)  # what passes: blocks 1 to 4
        n.stop()
        n.extra = ["-connect=0"]
        n.start()  # and a normal start takes it: block 5 is a header to fetch again
        self.assertEqual(n.rpc("getblockcount"), 4)
        self.assertIn("stored block bodies are gone or damaged", self.log_of_start(n))
        self.assertEqual(n.rpc("getblockheader", h5[::-1].hex())["confirmations"], -1)
        active = [r[0] for r in sqlite3.connect(db).execute(
            "SELECT height FROM blockchain WHERE active = 1 ORDER BY height")]
        self.assertEqual(active, [0, 1, 2, 3, 4])
        self.assertNotEqual(n.rpc("getaccount", k["address"])["balance"], balance)
        n.stop()


class RunFilesTest(unittest.TestCase):
    """-port=0 -rpcport=0, the ports a node reports, its pid file, and one
    node per data directory."""

    def test_any_port_and_one_node_per_datadir(self):
        d = tempfile.mkdtemp(prefix="cb-run-")
        n = again = Node(d, extra=["-connect=0"], any_port=True)
        try:
            n.start()
            files = read_runfiles(n.netdir)
            self.assertTrue(files["running"])
            self.assertEqual(files["pid"], n.proc.pid)
            self.assertNotIn(files["rpcport"], (None, 0))
            self.assertEqual(n.rpc("getnetworkinfo")["localport"], files["port"])
            self.assertEqual(n.port, files["rpcport"])
            with socket.create_connection(("127.0.0.1", files["port"]), timeout=5):
                pass  # it really listens for peers there
            # A second node on the same data directory is refused at once
            # and touches nothing of the first's.
            p = subprocess.run([COINBITD, "-regtest", "-datadir=" + d, "-port=0", "-rpcport=0"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1)
            self.assertIn("a CoinBit node is probably running there already", p.stderr)
            self.assertEqual(read_runfiles(n.netdir), files)
            self.assertEqual(n.rpc("getblockcount"), 0)
            n.stop()
            # A clean stop takes its files; the lock is free.
            self.assertEqual(read_runfiles(n.netdir), {"running": False, "pid": None, "port": None,
                                                       "rpcport": None, "webport": None})
            # A restart keeps the ports it was given; kill -9 leaves the
            # files, but the lock tells they are stale, and the next start
            # writes its own.
            n.start()
            self.assertEqual(read_runfiles(n.netdir)["rpcport"], files["rpcport"])
            n.kill()
            left = read_runfiles(n.netdir)
            self.assertFalse(left["running"])
            self.assertEqual(left["rpcport"], files["rpcport"])
            again = Node(d, extra=["-connect=0"], any_port=True)
            again.start()
            now = read_runfiles(again.netdir)
            self.assertTrue(now["running"])
            self.assertEqual(now["pid"], again.proc.pid)
            self.assertEqual(again.port, now["rpcport"])
            # Files are the node's own; -rpccookieperms=group lets its group
            # read the cookie and pass through the directory, nothing more.
            for name in ("coinbit.db", ".cookie", "debug.log", "coinbitd.ports"):
                self.assertEqual(os.stat(os.path.join(again.netdir, name)).st_mode & 0o777,
                                 0o600, name)
            self.assertEqual(os.stat(again.netdir).st_mode & 0o777, 0o700)
            again.stop()
            shared = Node(d, extra=["-connect=0", "-rpccookieperms=group"], any_port=True)
            shared.start()
            try:
                self.assertEqual(os.stat(os.path.join(shared.netdir, ".cookie")).st_mode & 0o777,
                                 0o640)
                self.assertEqual(os.stat(shared.netdir).st_mode & 0o777, 0o710)
                self.assertEqual(shared.rpc("getblockcount"), 0)
            finally:
                shared.stop()
            p = subprocess.run([COINBITD, "-regtest", "-datadir=" + d, "-rpccookieperms=world"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1)
            self.assertIn("-rpccookieperms=world: owner, group or all", p.stderr)
            for bad in ("-port=-1", "-port=65536", "-rpcport=x", "-rpcport=0x10"):
                p = subprocess.run([COINBITD, "-regtest", "-datadir=" + d, bad],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 1, bad)
                self.assertIn("is not a port number (0-65535", p.stderr, bad)
        finally:
            for node in (n, again):
                if node.running():
                    node.kill()
            shutil.rmtree(d, ignore_errors=True)


class MenuTest(unittest.TestCase):
    """The original's menu, scripted through a pipe: two signups, mining,
    a payment, both wallets; the node runs inside the program."""

    def test_scripted_session(self):
        d = tempfile.mkdtemp(prefix="cb-menu-")
        port, p2p, web = free_port(), free_port(), free_port()
        answers = "\n".join([
            "2", "Alice", "alice@example.org", "alice", "correct horse", "correct horse",
            "9",                                                          # signed in: log out
            "2", "Bob", "not-an-email", "bob@example.org",                # email asked again
            "b", "bob",                                                   # username again
            "short", "battery staple",                                    # password again
            "battery stapel", "battery staple",                           # only the repeat again
            "9",
            "1", "alice", "wrong password",                               # refused
            "1", "alice", "correct horse",
            "1", "3",                                                     # mine 3
            "3", "bob", "2.5", "", "y", "correct horse",                  # pay bob 2.5
            "2",                                                          # verify
            "1", "1",                                                     # mine 1
            "4", "5", "n", "p", "2", "",                                  # wallet, chain pages, block 2
            "7", "y", "correct horse",                                    # export the key
            "9", "1", "bob", "battery staple", "4",
            "6", "127.0.0.1:%d" % p2p,                                    # peers: add one
            "6", "",                                                      # peers: look
            "10", ""])
        try:
            p = subprocess.run([os.path.join(BIN, "coinbit"), "-regtest", "-datadir=" + d,
                                "-rpcport=%d" % port, "-port=%d" % p2p, "-webport=%d" % web,
                                "-minethreads=1"],
                               input=answers, capture_output=True, text=True, timeout=300)
            out = p.stdout
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("Welcome, alice: you are signed in. Your address: c", out)
            self.assertIn("email: not a valid address (like name@example.org); again, please",
                          out)
            self.assertIn("username: 3 to 32 letters, digits or '_'; again, please", out)
            self.assertIn("password: at least 8 characters; again, please", out)
            self.assertEqual(out.count("that is not the same password; again, please"), 1)
            self.assertIn("Welcome, bob: you are signed in.", out)
            self.assertIn("wrong username or password", out)
            self.assertIn("Mined 3 blocks", out)
            self.assertIn("signature valid, balance sufficient: valid", out)
            # alice: 4 rewards - 2.5 (her fee came back: she mined that block)
            self.assertIn("balance          77.50000000 CB", out)
            self.assertIn("balance          2.50000000 CB", out)
            self.assertIn("receive      2.50000000 CB  confirmed, 1 confirmation ", out)
            self.assertNotIn("1 confirmations", out)
            self.assertIn("#4 ", out)
            self.assertIn("-- Block 2 --", out)
            self.assertRegex(out, r"#0 +[0-9a-f]{64}  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
            wif = re.search(r"shown this once:\n\n    (\w+)\n", out)
            self.assertIsNotNone(wif)
            self.assertIn("Watch it in a browser: http://127.0.0.1:%d/" % web, out)
            self.assertIn("web view http://127.0.0.1:%d/" % web, out)
            # The node's log stays in debug.log.
            self.assertNotIn("new tip", out + p.stderr)
            with open(os.path.join(d, "regtest", "debug.log")) as f:
                self.assertIn("new tip", f.read())
            # Passwords never appear in the transcript.
            self.assertNotIn("correct horse", out)
            self.assertNotIn("battery staple", out)
            self.assertIn("Goodbye.", out)
            self.assertIn("listening on port %d" % p2p, out)
            self.assertIn("Added 127.0.0.1:%d" % p2p, out)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class TerminalMenuTest(unittest.TestCase):
    """The menu on a real terminal (tmux): what only a terminal shows."""

    def screen(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session, "-S", "-200"],
                              capture_output=True, text=True).stdout

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.session] + list(keys), check=True)

    def wait_for(self, text, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.screen()
            if text in got:
                return got
            time.sleep(0.1)
        self.fail("the terminal never showed %r:\n%s" % (text, self.screen()))

    def test_no_echo_and_ctrl_c_stops_mining(self):
        if not shutil.which("tmux"):
            if os.geteuid() != 0:
                self.skipTest("tmux is not installed")
            subprocess.run(["apt-get", "install", "-y", "-qq", "tmux"], capture_output=True,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        d = tempfile.mkdtemp(prefix="cb-tty-")
        self.session = "cbmenu%d" % os.getpid()
        # The main network: a block takes minutes on one thread, so there
        # is time to press Ctrl-C while it is mined.
        cmd = "%s -datadir=%s -rpcport=%d -port=%d -webport=%d -connect=0 -minethreads=1" % (
            os.path.join(BIN, "coinbit"), d, free_port(), free_port(), free_port())
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", "160", "-y", "50",
                        cmd + "; echo MENU-EXITED $?; sleep 30"], check=True)
        try:
            self.wait_for("3) Exit")
            self.keys("2", "Enter")
            for answer in ("Ann", "ann@example.org", "annie"):
                self.wait_for(":")
                self.keys(answer, "Enter")
                time.sleep(0.2)
            self.wait_for("Password (8 characters or more):")
            self.keys("secret password", "Enter")
            self.wait_for("Password again:")
            self.keys("secret password", "Enter")
            out = self.wait_for("you are signed in", timeout=120)
            self.assertNotIn("secret password", out)
            self.assertIn("Email: ann@example.org", out)  # what is typed shows, but not that
            self.keys("1", "Enter")
            self.wait_for("How many blocks to mine?")
            self.keys("1000", "Enter")
            self.wait_for("of 1000 mined", timeout=60)  # the progress line
            self.assertIn("MH/s", self.screen())
            self.keys("C-c")
            out = self.wait_for("Stopped: mined", timeout=60)
            made = int(re.search(r"Stopped: mined (\d+) block", out).group(1))
            self.assertLess(made, 1000)
            self.assertIn("height %d," % made, self.wait_for("height %d," % made))
            self.assertNotIn("MENU-EXITED", out)  # Ctrl-C stopped mining, not the menu
            self.keys("10", "Enter")
            out = self.wait_for("MENU-EXITED", timeout=60)
            self.assertIn("Goodbye.", out)
            self.assertIn("MENU-EXITED 0", out)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)
            shutil.rmtree(d, ignore_errors=True)


class ConfigTest(unittest.TestCase):
    def run_d(self, *args):
        return subprocess.run([COINBITD] + list(args), capture_output=True, text=True, timeout=30)

    def test_bad_options(self):
        d = tempfile.mkdtemp(prefix="cb-conf-")
        try:
            for args, needle in [
                (["-frobnicate"], "unknown option -frobnicate"),
                (["-regtest", "-rpcport=70000"], "not a port number"),
                (["-regtest", "-minethreads=0"], "-minethreads"),
                (["-regtest", "-mine"], "-mine needs -mineto"),
                (["-regtest", "-mineto=Cxyz"], "not a regtest address"),
                (["-regtest", "-minerimpl=quantum"], "-minerimpl"),
                (["-regtest", "-db=postgres://u:p@h/db"], "unsupported database"),
                (["-regtest", "-db=mysql://u:p@127.0.0.1:1/db"], "cannot connect to MySQL"),
                (["stray"], "unexpected argument"),
            ]:
                p = self.run_d("-datadir=" + d, *args)
                self.assertEqual(p.returncode, 1, args)
                self.assertIn(needle, p.stderr, args)
            with open(os.path.join(d, "coinbit.conf"), "w") as f:
                f.write("# comment\nregtest=1\nbogus=2\n")
            p = self.run_d("-datadir=" + d)
            self.assertEqual(p.returncode, 1)
            self.assertIn("unknown option -bogus (coinbit.conf line 3)", p.stderr)
            # Many options are all honoured, or refused, never cut: 100
            # lines in the file, and the command line's -rpcport still counts.
            with open(os.path.join(d, "coinbit.conf"), "w") as f:
                f.write("regtest=1\n" + "debug=0\n" * 100)
            n = Node(d)
            n.extra = ["-connect=0"]
            n.start()
            self.assertEqual(n.rpc("getblockcount"), 0)
            n.stop()
            with open(os.path.join(d, "coinbit.conf"), "w") as f:
                f.write("regtest=1\n" + "debug=0\n" * 300)
            p = self.run_d("-datadir=" + d)
            self.assertEqual(p.returncode, 1)
            self.assertIn("too many options", p.stderr)
            os.remove(os.path.join(d, "coinbit.conf"))
            # A data directory others can write to, or a link planted where
            # the cookie is written, is refused or stepped around.
            net = os.path.join(d, "regtest")
            os.chmod(net, 0o777)
            p = self.run_d("-datadir=" + d, "-regtest")
            self.assertEqual(p.returncode, 1)
            self.assertIn("can be written by others", p.stderr)
            os.chmod(net, 0o700)
            target = os.path.join(d, "target")
            with open(target, "w") as f:
                f.write("keep me")
            os.symlink(target, os.path.join(net, ".cookie.tmp"))
            n = Node(d)
            n.extra = ["-connect=0"]
            n.start()
            n.stop()
            with open(target) as f:
                self.assertEqual(f.read(), "keep me")
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
