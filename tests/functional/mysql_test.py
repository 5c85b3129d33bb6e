#!/usr/bin/env python3
"""CoinBit on MySQL/MariaDB: a private server (tests/functional/mariadb.py),
a node on it beside a node on SQLite, the server stopped in the middle of
mining, and the copy between engines. Python 3 standard library only."""
import os
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from framework import BIN, LocalNet, Node, RpcError, replay  # noqa: E402
from mariadb import PrivateMariaDB  # noqa: E402

ACTIVE = "SELECT hex(hash), height, tx_count FROM blockchain WHERE active = 1 ORDER BY height"
WALLET = "SELECT hex(hash160), address, balance, nonce FROM wallet ORDER BY 1"


def sqlite_rows(path, query):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return [tuple(str(v) for v in row) for row in db.execute(query).fetchall()]
    finally:
        db.close()


def mysql_rows(server, db, query):
    out = server.sql(query, db)
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


class MySQLTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = PrivateMariaDB().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_mysql_node_beside_sqlite_node(self):
        net = LocalNet(2, "line")
        self.addCleanup(net.cleanup)
        self.addCleanup(net.stop)
        my, lite = net.nodes
        my.extra.append("-db=" + self.server.uri("coinbit_a"))
        net.start()
        net.wait_connected()
        alice = my.rpc("createuser", "Alice", "a@example.org", "alice", "pw-alice")["address"]
        bob = lite.rpc("createuser", "Bob", "b@example.org", "bob", "pw-bob-1")["address"]
        my.rpc("generatetoaddress", 3, alice)
        net.wait_same_tip()
        lite.rpc("generatetoaddress", 3, bob)
        net.wait_same_tip()
        sent = []
        for i in range(6):
            sent.append(my.rpc("send", "alice", "pw-alice", bob, 1 + i))
            sent.append(lite.rpc("send", "bob", "pw-bob-1", alice, 0.5 + i))
            (my if i % 2 else lite).rpc("generatetoaddress", 1, alice if i % 2 else bob)
            net.wait_same_tip()
        for _ in range(5):
            if not net.wait_same_mempool():
                break
            my.rpc("generatetoaddress", 1, alice)
            net.wait_same_tip()
        for txid in sent:
            self.assertGreaterEqual(lite.rpc("getrawtransaction", txid)["confirmations"], 1)
        lite_db = os.path.join(lite.netdir, "coinbit.db")
        self.assertEqual(mysql_rows(self.server, "coinbit_a", ACTIVE), sqlite_rows(lite_db, ACTIVE))
        self.assertEqual(mysql_rows(self.server, "coinbit_a", WALLET), sqlite_rows(lite_db, WALLET))
        self.assertEqual(len(mysql_rows(self.server, "coinbit_a", ACTIVE)),
                         my.rpc("getblockcount") + 1)
        # The proper types: binary hashes, unsigned 64-bit amounts, InnoDB.
        cols = dict(mysql_rows(self.server, "information_schema",
                               "SELECT column_name, column_type FROM columns WHERE"
                               " table_schema = 'coinbit_a' AND table_name = 'wallet'"))
        self.assertEqual(cols["hash160"], "binary(20)")
        self.assertEqual(cols["balance"], "bigint(20) unsigned")
        engines = mysql_rows(self.server, "information_schema",
                             "SELECT DISTINCT engine FROM tables WHERE table_schema = 'coinbit_a'")
        self.assertEqual(engines, [("InnoDB",)])

        # Copy the MySQL node's data to SQLite: the same chain and tables.
        copy = os.path.join(net.root, "copy.db")
        p = subprocess.run([os.path.join(BIN, "coinbit-tool"), "-regtest", "copydb",
                            self.server.uri("coinbit_a"), copy],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 users", p.stdout)
        self.assertEqual(sqlite_rows(copy, ACTIVE), sqlite_rows(lite_db, ACTIVE))
        self.assertEqual(sqlite_rows(copy, WALLET), sqlite_rows(lite_db, WALLET))
        # ...and back to a new MySQL database, where a node starts on it.
        p = subprocess.run([os.path.join(BIN, "coinbit-tool"), "-regtest", "copydb", copy,
                            self.server.uri("coinbit_copy")],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(mysql_rows(self.server, "coinbit_copy", WALLET),
                         sqlite_rows(lite_db, WALLET))
        again = Node(os.path.join(net.root, "again"),
                     extra=["-connect=0", "-db=" + self.server.uri("coinbit_copy")])
        again.start()
        self.assertEqual(again.rpc("getbestblockhash"), my.rpc("getbestblockhash"))
        self.assertEqual(again.rpc("checklogin", "alice", "pw-alice")["address"], alice)
        again.stop()

    def test_kill_during_reorganisations(self):
        """kill -9 at any moment of a reorganisation of depth 1 to 20, then
        a restart: the MySQL store equals a replay of the node's chain."""
        import shutil
        import tempfile
        from reorg_crash import crash_loop
        d = tempfile.mkdtemp(prefix="cb-reorg-crash-my-")
        self.addCleanup(shutil.rmtree, d, True)
        n = Node(d, extra=["-connect=0", "-db=" + self.server.uri("coinbit_crash")])
        n.start()
        self.addCleanup(lambda: n.running() and n.kill())
        depths, walked = crash_loop(self, n, lambda q: mysql_rows(self.server, "coinbit_crash", q),
                                    6, seed=11)
        self.assertIn(20, depths)
        print("reorganisations of depths %s; %d restarts walked the store" % (depths, walked),
              file=sys.stderr)
        n.stop()

    def test_startup_check_and_reindex(self):
        """The start-up check reads the stored undo data from MySQL, and
        -reindex rebuilds the chain's rows there."""
        import shutil
        import tempfile
        d = tempfile.mkdtemp(prefix="cb-startcheck-my-")
        self.addCleanup(shutil.rmtree, d, True)
        n = Node(d, extra=["-connect=0", "-db=" + self.server.uri("coinbit_check")])
        n.start()
        self.addCleanup(lambda: n.running() and n.kill())
        n.rpc("generatetoaddress", 12, n.rpc("createuser", "Carol", "c@example.org", "carol",
                                             "pw-carol")["address"])
        tip = n.rpc("getbestblockhash")
        n.stop()
        self.server.sql("UPDATE `undo` SET data = x'01' WHERE block_hash = x'%s'"
                        % bytes.fromhex(tip)[::-1].hex(), "coinbit_check")
        p = subprocess.run(n.args(), capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertIn("fails the start-up check at level 2", p.stderr)
        n.extra.append("-reindex")
        n.start()
        self.assertEqual(n.rpc("getbestblockhash"), tip)
        n.stop()
        n.extra.remove("-reindex")
        n.start()
        self.assertEqual(n.rpc("getbestblockhash"), tip)
        active = mysql_rows(self.server, "coinbit_check", ACTIVE)
        self.assertEqual([int(h) for _, h, _ in active], list(range(13)))
        self.assertEqual(len(mysql_rows(self.server, "coinbit_check", "SELECT 1 FROM `undo`")), 13)
        n.stop()

    def test_server_stops_during_mining(self):
        node = Node(os.path.join(self.server.dir, "miner"),
                    extra=["-connect=0", "-db=" + self.server.uri("coinbit_b")])
        self.addCleanup(lambda: node.running() and node.kill())
        node.start()
        alice = node.rpc("createuser", "Alice", "a@example.org", "alice", "pw-alice")["address"]
        node.rpc("generatetoaddress", 5, alice)
        done = threading.Event()
        errors = []

        def mine():
            while not done.is_set():
                try:
                    node.rpc("generatetoaddress", 1, alice)
                except (OSError, RpcError) as e:
                    errors.append(str(e))
                    return

        t = threading.Thread(target=mine)
        t.start()
        time.sleep(1)
        before = node.rpc("getblockcount")
        self.server.stop(kill=True)      # the server goes away mid-block
        time.sleep(3)
        self.server.start()
        time.sleep(2)
        done.set()
        t.join(timeout=300)
        self.assertEqual(errors, [])
        after = node.rpc("getblockcount")
        self.assertGreater(after, before)
        with open(os.path.join(node.netdir, "debug.log")) as f:
            log = f.read()
        self.assertNotIn("stopping so nothing is half-written", log)
        with open(node.errlog) as f:
            self.assertIn("lost the MySQL server", f.read())
        # The database equals a replay of the chain from genesis.
        self.assert_store_is_replay(node, "coinbit_b", after)

    def test_server_stops_during_sync(self):
        """A sync writes many blocks a transaction; the server killed under
        one: the batch is made again, and the store equals a replay."""
        src = Node(os.path.join(self.server.dir, "source"), extra=["-connect=0"])
        self.addCleanup(lambda: src.running() and src.kill())
        src.start()
        alice = src.rpc("createuser", "Alice", "a@example.org", "alice", "pw-alice")["address"]
        bob = src.rpc("createuser", "Bob", "b@example.org", "bob", "pw-bob-1")["address"]
        src.rpc("generatetoaddress", 110, alice)
        for i in range(20):
            src.rpc("send", "alice", "pw-alice", bob, 1 + i)
        for _ in range(2):
            src.rpc("generatetoaddress", 700, alice)
        top = src.rpc("getblockcount")
        node = Node(os.path.join(self.server.dir, "syncing"),
                    extra=["-connect=" + src.address(), "-db=" + self.server.uri("coinbit_s")])
        self.addCleanup(lambda: node.running() and node.kill())
        node.start()
        deadline = time.time() + 120
        at_kill = 0
        while at_kill < 100 and time.time() < deadline:
            at_kill = node.rpc("getblockcount")
            time.sleep(0.01)
        self.server.stop(kill=True)  # under a batch of blocks being written
        time.sleep(3)  # (the node waits for its store meanwhile: no RPC now)
        self.server.start()
        deadline = time.time() + 600
        while node.rpc("getblockcount") < top and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(node.rpc("getbestblockhash"), src.rpc("getbestblockhash"))
        self.assertLess(at_kill, top, "the sync was over before the server went away")
        with open(node.errlog) as f:
            self.assertIn("lost the MySQL server", f.read())
        node.rpc("getblockcount")
        time.sleep(1)  # the writer's queue made
        self.assertEqual(mysql_rows(self.server, "coinbit_s",
                                    "SELECT hex(txid) FROM transactions GROUP BY txid"
                                    " HAVING COUNT(*) > 1"), [])
        confirmed = mysql_rows(self.server, "coinbit_s",
                               "SELECT COUNT(*) FROM transactions WHERE status = 'confirmed'")
        want = sqlite_rows(os.path.join(src.netdir, "coinbit.db"),
                           "SELECT COUNT(*) FROM transactions WHERE status = 'confirmed'")
        self.assertEqual(confirmed[0][0], want[0][0])
        self.assert_store_is_replay(node, "coinbit_s", top)
        src.stop()

    def assert_store_is_replay(self, node, db, height):
        """The database equals a replay of the node's chain from genesis,
        and a restart finds nothing to repair; the node is left stopped."""
        rows = {addr: (int(bal), int(nonce))
                for _, addr, bal, nonce in mysql_rows(self.server, db, WALLET)}
        self.assertEqual(rows, replay(node))
        self.assertEqual(len(mysql_rows(self.server, db, ACTIVE)), height + 1)
        tip = node.rpc("getbestblockhash")
        node.stop()
        node.start()
        self.assertEqual(node.rpc("getbestblockhash"), tip)
        with open(os.path.join(node.netdir, "debug.log")) as f:
            self.assertNotIn("wallet table rebuilt", f.read())
        node.stop()

    def test_bad_database_settings(self):
        d = os.path.join(self.server.dir, "bad")
        cases = [
            ("mysql://root:wrong-secret@/x?socket=" + self.server.socket, "cannot connect"),
            ("mysql://root@/bad-name?socket=" + self.server.socket, "bad MySQL address"),
            ("mysql://nobody", "bad MySQL address"),
            ("postgres://u@h/db", "unsupported database"),
        ]
        for uri, words in cases:
            p = subprocess.run([os.path.join(BIN, "coinbitd"), "-regtest", "-datadir=" + d,
                                "-rpcport=1", "-listen=0", "-db=" + uri],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, uri)
            self.assertIn(words, p.stderr, uri)
            self.assertNotIn("wrong-secret", p.stderr)
        with open(os.path.join(d, "regtest", "debug.log")) as f:
            self.assertNotIn("wrong-secret", f.read())
        # A database of another network is refused with a clear message.
        p = subprocess.run([os.path.join(BIN, "coinbit-tool"), "-regtest", "copydb",
                            os.path.join(d, "empty.db"), self.server.uri("coinbit_net")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([os.path.join(BIN, "coinbitd"), "-datadir=" + d, "-rpcport=1",
                            "-listen=0", "-db=" + self.server.uri("coinbit_net")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("belongs to network 'regtest', not 'main'", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
