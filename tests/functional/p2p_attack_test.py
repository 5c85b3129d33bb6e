#!/usr/bin/env python3
"""Hostile peers against real coinbitd processes, in the spirit of Bitcoin
Core's p2p_mutated_blocks, p2p_invalid_block and p2p_dos_header_tree: each
attack comes from its own 127.0.0.x address through wire.py, and honest
nodes beside the attacker must keep syncing with no honest peer banned.
Python 3 standard library only."""
import os
import shutil
import struct
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from localnet import Node  # noqa: E402
import wire  # noqa: E402

TX = 153


def headers_msg(headers):
    return wire.compact(len(headers)) + b"".join(h + b"\0" for h in headers)


def split_block(raw):
    """(header, [tx bytes]) of a serialized block."""
    header, rest = raw[:80], raw[80:]
    n = rest[0]
    assert n < 0xFD
    body = rest[1:]
    return header, [body[i * TX:(i + 1) * TX] for i in range(n)]


def join_block(header, txs, count=None):
    return header + wire.compact(len(txs) if count is None else count) + b"".join(txs)


class AttackTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cb-attack-")
        self.nodes = []
        self.sources = iter(range(10, 250))

    def tearDown(self):
        for n in self.nodes:
            if n.running():
                try:
                    n.stop()
                except Exception:
                    n.kill()
        if not os.environ.get("CB_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def node(self, name, *extra):
        n = Node(os.path.join(self.root, name), extra=["-connect=0"] + list(extra))
        n.start()
        self.nodes.append(n)
        return n

    def attacker(self, victim, height=0):
        """A handshaken wire peer from a fresh loopback address."""
        src = "127.0.0.%d" % next(self.sources)
        p = wire.Peer(victim.p2p_port, source=src)
        p.handshake(height)
        return p, src

    def tip_status(self, node, block_hash):
        for t in node.rpc("getchaintips"):
            if t["hash"] == block_hash:
                return t["status"]
        return None

    def test_mutated_blocks_do_not_split_the_node(self):
        """The real header of a new block with bodies that do not match it
        (Core's IsBlockMutated): each sender is punished, the header stays
        valid, and the real block is taken when an honest peer brings it."""
        miner = self.node("miner")
        victim = self.node("victim")
        alice = miner.rpc("createuser", "Alice", "a@example.org", "alice", "pw-alice")["address"]
        bob = miner.rpc("createuser", "Bob", "b@example.org", "bob", "pw-bob-1")["address"]
        miner.rpc("generatetoaddress", 3, alice)
        miner.rpc("send", "alice", "pw-alice", bob, 1)
        miner.rpc("send", "alice", "pw-alice", bob, 2)
        x_hash = miner.rpc("generatetoaddress", 1, alice)[0]
        for h in range(1, 4):
            raw = miner.rpc("getblock", miner.rpc("getblockhash", h), 0)
            self.assertIsNone(victim.rpc("submitblock", raw))
        raw = bytes.fromhex(miner.rpc("getblock", x_hash, 0))
        header, (cb, t1, t2) = split_block(raw)
        self.assertEqual(raw, join_block(header, [cb, t1, t2]))
        richer_cb = bytearray(cb)
        richer_cb[57] ^= 0x01  # the coinbase amount
        broken_t1 = bytearray(t1)
        broken_t1[57:65] = b"\0" * 8  # amount 0: a rule, were it the block's
        mutations = {
            "no transactions": join_block(header, []),
            "a changed coinbase": join_block(header, [bytes(richer_cb), t1, t2]),
            "a payment removed": join_block(header, [cb, t1]),
            "the last payment repeated (CVE-2012-2459)": join_block(header, [cb, t1, t2, t2]),
            "payments reordered": join_block(header, [cb, t2, t1]),
            "the coinbase moved": join_block(header, [t1, cb, t2]),
            "a payment broken": join_block(header, [cb, bytes(broken_t1), t2]),
            "extra bytes": raw + b"\0",
            "a count beyond the body": join_block(header, [cb, t1, t2], count=4),
        }
        banned = {}
        for what, body in mutations.items():
            p, src = self.attacker(victim, 3)
            p.send("headers", headers_msg([header]))
            self.assertIsNotNone(p.wait_for("getdata"), what)
            p.send("block", body)
            self.assertTrue(p.closed(), what)
            p.close()
            banned[what] = src
            self.assertEqual(self.tip_status(victim, x_hash), "headers-only", what)
            self.assertEqual(victim.rpc("getblockcount"), 3, what)
        listed = {b["address"] for b in victim.rpc("listbanned")}
        for what, src in banned.items():
            self.assertIn(src, listed, what)
        # The honest miner brings the real block: taken, and nobody honest
        # is banned for relaying it.
        victim.rpc("addnode", miner.address(), "onetry")
        deadline = time.time() + 30
        while time.time() < deadline and victim.rpc("getbestblockhash") != x_hash:
            time.sleep(0.05)
        self.assertEqual(victim.rpc("getbestblockhash"), x_hash)
        self.assertNotIn("127.0.0.1", {b["address"] for b in victim.rpc("listbanned")})
        self.assertEqual(victim.rpc("getrawtransaction", wire.sha256d(t2)[::-1].hex())
                         ["confirmations"], 1)
        # And the two keep syncing.
        miner.rpc("generatetoaddress", 2, alice)
        deadline = time.time() + 30
        while time.time() < deadline and victim.rpc("getblockcount") != 6:
            time.sleep(0.05)
        self.assertEqual(victim.rpc("getbestblockhash"), miner.rpc("getbestblockhash"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
