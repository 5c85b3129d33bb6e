#!/usr/bin/env python3
"""Many CoinBit nodes on 127.0.0.1 (real coinbitd processes, started by
tests/functional/framework.py): mining at once, partitions, catching up, restarts and
hostile peers. Python 3 standard library only."""
import os
import random
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from framework import BIN, LocalNet, Node, RpcError, new_address, newkey, tool  # noqa: E402
import wire  # noqa: E402

COIN = 100_000_000


def wallet_rows(node):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(node.netdir, "coinbit.db"), uri=True)
    try:
        return db.execute("SELECT hex(hash160), balance, nonce FROM wallet ORDER BY 1").fetchall()
    finally:
        db.close()


def best_chain_txids(node):
    ids = []
    for h in range(1, node.rpc("getblockcount") + 1):
        ids += node.rpc("getblock", node.rpc("getblockhash", h), 1)["tx"][1:]
    return ids


class NetTest(unittest.TestCase):
    def make_net(self, n, topology, **kw):
        net = LocalNet(n, topology, **kw)
        self.addCleanup(net.cleanup)
        self.addCleanup(net.stop)
        net.start()
        net.wait_connected()
        return net

    def user(self, node, name):
        return node.rpc("createuser", name.title(), name + "@example.org", name, "pw-" + name)[
            "address"]

    def test_pcap_capture_holds_every_message(self):
        """-pcap writes the node's P2P messages as raw IPv4/TCP packets,
        read here from the pcap format itself: both directions' streams
        reassemble into whole, checksummed messages of our framing."""
        net = self.make_net(2, "line", extra=["-pcap=p2p.pcap"])
        a, b = net.nodes
        k = newkey()
        a.rpc("generatetoaddress", 2, k["address"])
        txid = b.rpc("sendrawtransaction", tool("signtx", k["private"], new_address(), "1",
                                                "0.0001", "0").strip())
        net.wait_same_mempool()
        a.rpc("generatetoaddress", 1, new_address())
        net.wait_same_tip()
        net.stop()
        with open(os.path.join(a.netdir, "p2p.pcap"), "rb") as f:
            data = f.read()
        magic, major, minor, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
        self.assertEqual((magic, major, minor, link), (0xA1B2C3D4, 2, 4, 101))
        streams = {}
        off = 24
        while off < len(data):
            sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
            self.assertEqual(incl, orig)
            pkt = data[off + 16:off + 16 + incl]
            off += 16 + incl
            self.assertEqual(pkt[0] >> 4, 4)
            ihl = (pkt[0] & 15) * 4
            self.assertEqual(struct.unpack(">H", pkt[2:4])[0], len(pkt))
            self.assertEqual(pkt[9], 6)  # TCP
            src, dst = pkt[12:16], pkt[16:20]
            sport, dport, seq = struct.unpack(">HHI", pkt[ihl:ihl + 8])
            body = pkt[ihl + 20:]
            key = (src, sport, dst, dport)
            got = streams.setdefault(key, [1, b""])
            self.assertEqual(seq, got[0], "sequence numbers count the bytes")
            got[0] += len(body)
            got[1] += body
        self.assertEqual(len(streams), 2, "one connection, two directions")
        seen = {}
        for key, (_, stream) in streams.items():
            cmds = []
            while stream:
                self.assertEqual(stream[:4], wire.REGTEST_MAGIC)
                cmd = stream[4:16].rstrip(b"\0").decode()
                length = struct.unpack("<I", stream[16:20])[0]
                payload = stream[24:24 + length]
                self.assertEqual(wire.sha256d(payload)[:4], stream[20:24])
                cmds.append((cmd, payload))
                stream = stream[24 + length:]
            seen[key] = cmds
            self.assertEqual(cmds[0][0], "version")
        everything = [c for cmds in seen.values() for c, _ in cmds]
        for want in ("version", "verack", "headers", "getdata", "block", "inv", "tx"):
            self.assertIn(want, everything)
        self.assertIn(bytes.fromhex(txid)[::-1],
                      b"".join(p for cmds in seen.values() for c, p in cmds if c == "inv"))
        self.assertEqual(os.stat(os.path.join(a.netdir, "p2p.pcap")).st_mode & 0o777, 0o600)
        # A capture that cannot be written stops the node at start, saying why.
        p = subprocess.run([os.path.join(BIN, "coinbitd"), "-regtest", "-datadir=" + a.datadir,
                            "-pcap=/nonexistent/dir/x.pcap", "-connect=0", "-port=0",
                            "-rpcport=0", "-webport=0"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot write the capture /nonexistent/dir/x.pcap", p.stderr)

    def test_five_nodes_three_miners(self):
        net = self.make_net(5, "ring")
        nodes = net.nodes
        # Payers are funded before the race, so no payment depends on a
        # block that a fork may take away (the SPEC has no coinbase
        # maturity; a payment of coins from an orphaned block is rightly
        # dropped). Miners mine to addresses of their own.
        users = [self.user(n, "user%d" % i) for i, n in enumerate(nodes)]
        miners = [self.user(nodes[i], "miner%d" % i) for i in range(3)]
        for i in range(5):
            nodes[i].rpc("generatetoaddress", 2, users[i])
            net.wait_same_tip()
        sent, errors = [], []
        done = threading.Event()

        def mine(i):
            rng = random.Random(i)
            while not done.is_set():
                nodes[i].rpc("generatetoaddress", 1, miners[i])
                time.sleep(rng.uniform(0.05, 0.4))

        def pay():
            rng = random.Random(7)
            while not done.is_set():
                i = rng.randrange(5)
                j = rng.choice([k for k in range(5) if k != i])
                try:
                    sent.append(nodes[i].rpc("send", "user%d" % i, "pw-user%d" % i, users[j],
                                             round(rng.uniform(0.1, 1), 8)))
                except RpcError as e:
                    errors.append(e.code)
                time.sleep(0.02)

        threads = [threading.Thread(target=mine, args=(i,)) for i in range(3)]
        threads.append(threading.Thread(target=pay))
        for t in threads:
            t.start()
        # Until both have happened: 56 blocks, and 10 payments sent while
        # the miners race. (Mining alone could reach 56 first on a loaded
        # machine, where each payment's Argon2id check is slow.)
        deadline = time.time() + 120
        while time.time() < deadline and (min(n.rpc("getblockcount") for n in nodes) < 56
                                          or len(sent) < 10):
            time.sleep(0.2)
        done.set()
        for t in threads:
            t.join()
        self.assertGreaterEqual(min(n.rpc("getblockcount") for n in nodes), 56)
        self.assertGreaterEqual(len(sent), 10, errors)
        # Mine on until every payment is in: all mempools empty, one tip.
        # (Miners that stopped on tips of equal work keep their own, as
        # Core does, until one more block breaks the tie.)
        for _ in range(20):
            nodes[0].rpc("generatetoaddress", 1, users[0])
            tip = net.wait_same_tip()
            time.sleep(0.3)
            if all(n.rpc("getmempoolinfo")["size"] == 0 for n in nodes):
                break
        tip = net.wait_same_tip()
        height = nodes[0].rpc("getblockcount")
        rows = [wallet_rows(n) for n in nodes]
        for r in rows[1:]:
            self.assertEqual(r, rows[0])
        total = sum(balance for _, balance, _ in rows[0])
        self.assertEqual(total, sum(wire.subsidy(h) for h in range(height + 1)))
        confirmed = best_chain_txids(nodes[4])
        for txid in sent:
            self.assertEqual(confirmed.count(txid), 1, txid)
        self.assertEqual(sum(nonce for _, _, nonce in rows[0]), len(confirmed))
        # Forks happened and were resolved the same way everywhere.
        for n in nodes:
            self.assertEqual(n.rpc("getbestblockhash"), tip)

    def test_partition_and_heal(self):
        net = self.make_net(4, "line")           # 0 - 1 - 2 - 3
        a, b = net.nodes[0], net.nodes[3]
        alice, carol = self.user(a, "alice"), self.user(b, "carol")
        a.rpc("generatetoaddress", 3, alice)
        net.wait_same_tip()
        b.rpc("generatetoaddress", 3, carol)
        net.wait_same_tip()
        # Cut the 1-2 link (node 2 dials node 1).
        link = net.nodes[1].address()
        net.nodes[2].rpc("addnode", link, "remove")
        net.nodes[2].rpc("disconnectnode", link)
        for _ in range(100):
            if (net.nodes[1].rpc("getconnectioncount") == 1 and
                    net.nodes[2].rpc("getconnectioncount") == 1):
                break
            time.sleep(0.1)
        self.assertEqual(net.nodes[1].rpc("getconnectioncount"), 1)
        # Each half pays and mines; the right half mines more.
        ta = a.rpc("send", "alice", "pw-alice", carol, 3)
        tb = b.rpc("send", "carol", "pw-carol", alice, 4)
        for _ in range(100):
            if ta in net.nodes[1].rpc("getrawmempool") and tb in net.nodes[2].rpc("getrawmempool"):
                break
            time.sleep(0.05)
        net.nodes[1].rpc("generatetoaddress", 2, alice)
        net.nodes[2].rpc("generatetoaddress", 4, carol)
        left = net.wait_same_tip(nodes=net.nodes[:2])
        right = net.wait_same_tip(nodes=net.nodes[2:])
        self.assertNotEqual(left, right)
        self.assertEqual(a.rpc("getrawtransaction", ta)["confirmations"], 2)
        # Heal: the left half reorganises to the right half's chain.
        net.nodes[2].rpc("addnode", link, "add")
        self.assertEqual(net.wait_same_tip(), right)
        # alice's payment left the chain and went back to the mempools...
        for n in net.nodes[:2]:
            self.assertIn(ta, n.rpc("getrawmempool"))
        # ...and reaches the other half, where the next block confirms it.
        for _ in range(100):
            if ta in b.rpc("getrawmempool"):
                break
            time.sleep(0.05)
        b.rpc("generatetoaddress", 1, carol)
        net.wait_same_tip()
        for n in net.nodes:
            self.assertEqual(n.rpc("getrawtransaction", ta)["confirmations"], 1)
            self.assertEqual(n.rpc("getrawtransaction", tb)["confirmations"], 5)
        rows = [wallet_rows(n) for n in net.nodes]
        for r in rows[1:]:
            self.assertEqual(r, rows[0])

    def test_late_node_catches_up_and_restart_reconnects(self):
        net = self.make_net(3, "mesh")
        miner = self.user(net.nodes[0], "miner")
        for _ in range(4):
            net.nodes[0].rpc("generatetoaddress", 500, miner)
        self.assertEqual(net.wait_same_tip(timeout=300), net.nodes[0].rpc("getbestblockhash"))
        late = Node(os.path.join(net.root, "late"),
                    extra=["-connect=" + n.address() for n in net.nodes])
        self.addCleanup(lambda: late.running() and late.kill())
        late.start()
        start = time.time()
        for _ in range(3000):
            if late.rpc("getblockcount") == 2000:
                break
            time.sleep(0.1)
        took = time.time() - start
        self.assertEqual(late.rpc("getbestblockhash"), net.nodes[0].rpc("getbestblockhash"))
        # The blocks came from several peers at once.
        got = sorted(p["bytesrecv"] for p in late.rpc("getpeerinfo"))
        self.assertGreaterEqual(len(got), 3)
        self.assertGreater(got[-2], 100_000, got)
        print("late node synced 2000 blocks in %.1f s; bytes from each peer: %s" % (took, got),
              file=sys.stderr)
        # A restart without any -connect: the peers table brings it back.
        late.stop()
        net.nodes[1].rpc("generatetoaddress", 50, miner)
        late.extra = []
        late.start()
        for _ in range(300):
            if late.rpc("getblockcount") == 2050:
                break
            time.sleep(0.1)
        self.assertEqual(late.rpc("getblockcount"), 2050)
        outbound = [p for p in late.rpc("getpeerinfo") if not p["inbound"]]
        self.assertGreaterEqual(len(outbound), 1)
        self.assertTrue({p["addr"] for p in outbound} <= {n.address() for n in net.nodes})
        late.stop()

    def test_hostile_peers_are_banned(self):
        net = self.make_net(2, "line")
        honest, other = net.nodes
        port = honest.p2p_port
        alice = self.user(honest, "alice")
        honest.rpc("generatetoaddress", 3, alice)
        net.wait_same_tip()
        key = newkey()
        tip = honest.rpc("getbestblockhash")
        height = honest.rpc("getblockcount")
        now = int(time.time())
        seq = iter(range(10, 250))

        def attack(act, handshake=True):
            src = "127.0.0.%d" % next(seq)
            p = wire.Peer(port, source=src)
            if handshake:
                p.handshake(height)
            try:
                act(p)
            except (BrokenPipeError, ConnectionResetError):
                pass  # closed before we finished sending: an oversize message
                # is refused from its header on
            self.assertTrue(p.closed(), src)
            p.close()
            return src

        def signed(nonce, to, amount="1", fee="0.0001"):
            return bytes.fromhex(tool("signtx", key["private"], to, amount, fee, str(nonce)).strip())

        cases = {}
        cases["bad checksum"] = attack(
            lambda p: p.send("ping", b"\1" * 8, checksum=b"\0\0\0\0"))
        cases["oversize length"] = attack(
            lambda p: p.send_raw(wire.frame("block", b"", length=4_000_001)))
        cases["message before version"] = attack(
            lambda p: p.send("ping", b"\1" * 8), handshake=False)
        block, _ = wire.make_block(tip, height + 1, now, valid_pow=False)
        cases["invalid proof of work"] = attack(lambda p: p.send("block", block))
        # A double spend inside a block: the key gets coins in block 1 of the
        # attack chain, then pays the same nonce twice in block 2.
        addr_h160 = bytes.fromhex(tool("decodeaddress", key["address"]).split()[-1])
        b1, h1 = wire.make_block(tip, height + 1, now + 10, tag=b"fund", to=addr_h160)
        spend1, spend2 = signed(0, alice, "5"), signed(0, alice, "6")
        b2, _ = wire.make_block(h1, height + 2, now + 11, txs=[spend1, spend2])

        def double_spend(p):
            p.send("block", b1)
            p.send("block", b2)

        cases["double spend in a block"] = attack(double_spend)
        # A bad signature on a payment the key could make (funded by b1,
        # the right nonce): the cheap checks pass, the signature fails.
        # (An unfunded sender's payment is refused before its signature is
        # looked at, and costs no ban.)
        bad_sig = bytearray(signed(0, alice))
        bad_sig[100] ^= 1
        cases["bad signature"] = attack(lambda p: p.send("tx", bytes(bad_sig)))
        many = wire.compact(50_001) + (struct.pack("<I", 1) + b"\7" * 32) * 50_001
        cases["too many inv entries"] = attack(lambda p: p.send("inv", many))
        # A flood of connections from one address.
        flood_src = "127.0.0.%d" % next(seq)
        socks = []
        for _ in range(80):
            try:
                socks.append(wire.Peer(port, source=flood_src, timeout=2))
            except OSError:
                break
        for s in socks:
            s.close()
        banned = {b["address"]: b["ban_reason"] for b in honest.rpc("listbanned")}
        for what, src in cases.items():
            self.assertIn(src, banned, what)
        self.assertNotIn("127.0.0.1", banned)
        # A flood only discourages its address (many users may share one):
        # once the window has passed, it is served again while slots are free.
        self.assertNotIn(flood_src, banned)
        self.assertGreaterEqual(honest.rpc("getnetworkinfo")["discouraged"], 1)
        time.sleep(10.5)
        p = wire.Peer(port, source=flood_src)
        p.handshake(height)
        p.close()
        # A banned address is turned away at once.
        p = wire.Peer(port, source=cases["bad checksum"])
        self.assertTrue(p.closed(timeout=5))
        p.close()
        # The honest nodes kept their chain and keep syncing with each other.
        # The attack chain's valid first block stands; its double spend
        # does not: the key keeps its 20 CB and paid nobody.
        self.assertEqual(honest.rpc("getbestblockhash"), h1)
        self.assertEqual(honest.rpc("getaccount", key["address"])["balance"], 20)
        other.rpc("generatetoaddress", 2, alice)
        net.wait_same_tip()
        self.assertEqual(honest.rpc("getblockcount"), height + 3)
        # setban / listbanned / clearbanned by hand.
        honest.rpc("setban", "127.0.0.99", "add", 60)
        with self.assertRaises(RpcError) as ctx:
            honest.rpc("setban", "127.0.0.99", "add")
        self.assertEqual(ctx.exception.code, -23)
        with self.assertRaises(RpcError) as ctx:
            honest.rpc("setban", "not-an-ip", "add")
        self.assertEqual(ctx.exception.code, -30)
        honest.rpc("setban", "127.0.0.99", "remove")
        honest.rpc("clearbanned")
        self.assertEqual(honest.rpc("listbanned"), [])
        # An honest wire client is served: handshake, getheaders, headers.
        p = wire.Peer(port, source="127.0.0.250")
        p.handshake()
        genesis = bytes.fromhex(honest.rpc("getblockhash", 0))[::-1]
        p.send("getheaders", struct.pack("<I", 1001) + b"\x01" + genesis + b"\0" * 32)
        headers = p.wait_for("headers")
        self.assertEqual(headers[0], height + 3)
        p.close()

    def test_network_rpcs_and_options(self):
        net = self.make_net(2, "line")
        a, b = net.nodes
        info = a.rpc("getnetworkinfo")
        self.assertEqual((info["protocolversion"], info["connections"]), (1001, 1))
        self.assertEqual(info["localport"], a.p2p_port)
        peers = b.rpc("getpeerinfo")
        self.assertEqual(peers[0]["addr"], a.address())
        self.assertEqual(peers[0]["subver"], "/CoinBit:0.1.0/")
        self.assertFalse(peers[0]["inbound"])
        # Bytes by message kind add up to the totals (Core's per_msg).
        for p in b.rpc("getpeerinfo"):
            self.assertEqual(sum(p["bytessent_per_msg"].values()), p["bytessent"])
            self.assertEqual(sum(p["bytesrecv_per_msg"].values()), p["bytesrecv"])
            self.assertEqual(p["bytessent_per_msg"]["verack"], 24)  # a header, no payload
            self.assertEqual(p["bytesrecv_per_msg"]["verack"], 24)
            self.assertGreater(p["bytessent_per_msg"]["version"], 24)
        # The trace: each message with a summary, switched at run time.
        self.assertEqual(b.rpc("settrace", "net", True), {"net": True})
        pid = b.rpc("getpeerinfo")[0]["id"]
        h = a.rpc("generatetoaddress", 1, new_address())[0]
        msgs = []
        for _ in range(100):
            msgs = b.rpc("getpeermessages", pid)
            if any(m["command"] == "block" for m in msgs):
                break
            time.sleep(0.05)
        blk = [m for m in msgs if m["command"] == "block"][0]
        self.assertEqual((blk["direction"], blk["summary"]), ("in", "block %s, 1 payment" % h[:16]))
        self.assertTrue(any(m["direction"] == "out" and m["command"] == "getdata" and
                            h[:16] in m["summary"] for m in msgs))
        b.rpc("settrace", "net", False)
        self.assertEqual(b.rpc("getpeermessages", pid), [])
        with self.assertRaises(RpcError):
            b.rpc("getpeermessages", 999999)
        with self.assertRaises(RpcError):
            b.rpc("settrace", "disk", True)
        with self.assertRaises(RpcError) as ctx:
            b.rpc("addnode", a.address(), "add")
        self.assertEqual(ctx.exception.code, -23)
        with self.assertRaises(RpcError) as ctx:
            b.rpc("addnode", "127.0.0.1:1", "remove")
        self.assertEqual(ctx.exception.code, -24)
        with self.assertRaises(RpcError) as ctx:
            b.rpc("addnode", "[nonsense", "add")
        self.assertEqual(ctx.exception.code, -8)
        with self.assertRaises(RpcError) as ctx:
            b.rpc("disconnectnode", "127.0.0.1:1")
        self.assertEqual(ctx.exception.code, -29)
        b.rpc("disconnectnode", "", peers[0]["id"])
        # -connect keeps it coming back.
        for _ in range(100):
            if b.rpc("getconnectioncount") == 1 and b.rpc("getpeerinfo")[0]["handshake"]:
                break
            time.sleep(0.1)
        self.assertEqual(b.rpc("getpeerinfo")[0]["addr"], a.address())
        # Bad P2P options stop the daemon with a message.
        for bad in ("-port=65536", "-trace=disk", "-connect=", "-bantime=-5", "-maxconnections=x", "-bind=nowhere"):
            p = subprocess.run([os.path.join(BIN, "coinbitd"), "-regtest",
                                "-datadir=" + os.path.join(net.root, "bad"), "-rpcport=1", bad],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1, bad)
            self.assertIn("Error", p.stderr, bad)


if __name__ == "__main__":
    unittest.main(verbosity=2)
