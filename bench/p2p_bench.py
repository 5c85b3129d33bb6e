#!/usr/bin/env python3
"""P2P benchmarks on loopback, printing figures.

    bench/p2p_bench.py [--trials 10] [--blocks 5000] [--per-block 100]
                       [--skip-propagation] [--skip-sync] [--mysql]

1. Propagation: a block mined at node 0 of a 20-node line and of a
   20-node random graph; the time until every node has it as its tip,
   read from the nodes' millisecond log stamps (median and max over trials).
2. Sync: a fresh node downloads a BLOCKS-block chain with PER_BLOCK payments
   in each block, from one peer and from four; blocks and payments per second,
   beside the rate of the same blocks accepted by a bare chain in memory
   (bench_replay: signatures on every core, nothing written) measured just
   before and after each sync (their mean). A sync ends when the node's
   store has written the last block (the node takes blocks ahead of its
   store's writes: its tip comes first, and that time is shown beside
   it). With --mysql the syncing node
   writes into a private MariaDB server (started and removed here), the
   source nodes staying on SQLite.
3. Memory: resident size of an idle node and of the node that synced.
Beside each sync: the processor seconds the syncing node spent (all its
threads) and, with --mysql, those the server spent on it; on a machine
whose cores are all busy these say where the time went.
"""
import argparse
import datetime
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
from framework import BIN, LocalNet, Node, new_address  # noqa: E402
from mariadb import PrivateMariaDB  # noqa: E402


def tip_times(node, block_hash):
    """The log time (seconds) at which node took block_hash as its tip."""
    with open(os.path.join(node.netdir, "debug.log")) as f:
        for line in f:
            if ("new tip " + block_hash) in line:
                stamp = line.split(" ", 1)[0]
                return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
    return None


def propagation(topology, trials, n=20):
    net = LocalNet(n, topology, seed=3)
    try:
        net.start()
        net.wait_connected(timeout=60)
        addr = new_address("regtest")
        net.nodes[0].rpc("generatetoaddress", 1, addr)
        net.wait_same_tip()
        reach = []
        for _ in range(trials):
            h = net.nodes[0].rpc("generatetoaddress", 1, addr)[0]
            net.wait_same_tip()
            t0 = tip_times(net.nodes[0], h)
            delays = [tip_times(node, h) - t0 for node in net.nodes[1:]]
            reach.append(max(delays) * 1000)
            time.sleep(0.2)
        return statistics.median(reach), max(reach), len(net.links)
    finally:
        net.stop()
        net.cleanup()


def cpu_seconds(pid):
    """User plus system processor seconds of process PID so far (0 when unreadable)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command's closing parenthesis, utime and stime are the
    # 12th and 13th fields (proc(5): fields 14 and 15).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_height(node, height, timeout=3600):
    start = time.time()
    while node.rpc("getblockcount") < height:
        if time.time() - start > timeout:
            raise RuntimeError("no sync after %d s" % timeout)
        time.sleep(0.1)
    return time.time() - start


def stored_height(node, server, db):
    """The tip height node's store has written (0 before it has one)."""
    if server:
        out = server.sql("SELECT value FROM meta WHERE `key` = 'tip_height'", db).strip()
    else:
        path = os.path.join(node.netdir, "coinbit.db")
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'tip_height'").fetchone()
        finally:
            con.close()
        out = row[0] if row else "0"
    return int(out or 0)


def wait_stored(node, server, db, height, timeout=600):
    start = time.time()
    while stored_height(node, server, db) < height:
        if time.time() - start > timeout:
            raise RuntimeError("store not at %d after %d s" % (height, timeout))
        time.sleep(0.02)


def in_memory_rate(db):
    """Blocks a second of db's chain accepted by a bare chain in memory."""
    out = subprocess.run([os.path.join(BIN, "bench", "bench_replay"), db],
                         capture_output=True, text=True, check=True).stdout.strip()
    print("  " + out)
    return float(out.split(" blocks/s")[0].rsplit(" ", 1)[1])


def sync(blocks, per_block, server=None):
    root = tempfile.mkdtemp(prefix="cb-syncbench-")
    try:
        db = os.path.join(root, "chain.db")
        t = time.time()
        out = subprocess.run([os.path.join(BIN, "bench", "make_chain"), db, str(blocks),
                              str(per_block)], capture_output=True, text=True, check=True).stdout
        print("  chain built in %.0f s: %s" % (time.time() - t, out.strip()))
        payments = (blocks - 256) * per_block
        # The same chain into a bare chain in memory: the rate to beat,
        # measured before each sync and after the last (a shared machine's
        # speed drifts); each sync is set against the mean of the two
        # beside it.
        mem_rates = []
        sources = []
        for i in range(4):
            node = Node(os.path.join(root, "source%d" % i), extra=["-connect=0"])
            os.makedirs(node.netdir)
            shutil.copy(db, os.path.join(node.netdir, "coinbit.db"))
            sources.append(node)
        t = time.time()
        for node in sources:
            node.start(wait=False)
        for node in sources:
            node.wait_ready(timeout=3600)
        print("  4 source nodes started on the chain in %.0f s" % (time.time() - t))
        idle = Node(os.path.join(root, "idle"), extra=["-connect=0"])
        idle.start()
        time.sleep(2)
        idle_rss = idle.rss_kib()
        idle.stop()
        results = []
        for k in (1, 4):
            mem_rates.append(in_memory_rate(db))
            dbname = "coinbit_sync%d" % k
            store = ["-db=" + server.uri(dbname)] if server else []
            fresh = Node(os.path.join(root, "fresh%d" % k),
                         extra=["-connect=" + s.address() for s in sources[:k]] + store)
            fresh.start()
            server_cpu = cpu_seconds(server.proc.pid) if server else 0.0
            t0 = time.time()
            tip_took = wait_height(fresh, blocks)
            wait_stored(fresh, server, dbname, blocks)
            took = time.time() - t0
            node_cpu = cpu_seconds(fresh.proc.pid)
            if server:
                server_cpu = cpu_seconds(server.proc.pid) - server_cpu
            results.append((k, took, fresh.rss_kib(), node_cpu, server_cpu, tip_took))
            fresh.stop()
        for node in sources:
            node.stop()
        mem_rates.append(in_memory_rate(db))
        results = [r + (statistics.mean(mem_rates[i:i + 2]),) for i, r in enumerate(results)]
        return results, payments, idle_rss
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--blocks", type=int, default=5000)
    ap.add_argument("--per-block", type=int, default=100)
    ap.add_argument("--skip-sync", action="store_true")
    ap.add_argument("--skip-propagation", action="store_true")
    ap.add_argument("--mysql", action="store_true", help="the syncing node on MariaDB")
    a = ap.parse_args()
    if not a.skip_propagation:
        print("Propagation of one block to all of 20 nodes on loopback (%d trials)" % a.trials)
        for topo in ("line", "random"):
            med, worst, links = propagation(topo, a.trials)
            print("  %-6s (%2d links): median %7.1f ms   max %7.1f ms"
                  % (topo, links, med, worst))
    if a.skip_sync:
        return
    server = PrivateMariaDB().start() if a.mysql else None
    print("Sync of %d blocks with %d payments each from fresh%s"
          % (a.blocks, a.per_block, " into MariaDB %s" % server.sql("SELECT VERSION()").strip()
             if server else ""))
    try:
        results, payments, idle_rss = sync(a.blocks, a.per_block, server)
    finally:
        if server:
            server.cleanup()
    for k, took, rss, node_cpu, server_cpu, tip_took, mem_rate in results:
        print("  from %d peer%s: %6.1f s  %7.0f blocks/s  %8.0f payments/s  RSS after %6.1f MiB"
              "  (%.0f%% of the in-memory rate)"
              % (k, "s" if k > 1 else " ", took, a.blocks / took, payments / took, rss / 1024,
                 100.0 * a.blocks / took / mem_rate))
        print("               stored; the node's tip there %.1f s before; processor: node %.1f s%s"
              % (took - tip_took, node_cpu, ", server %.1f s" % server_cpu if server else ""))
    print("  4 peers against 1: %.2fx" % (results[0][1] / results[1][1]))
    print("Memory: idle node RSS %.1f MiB" % (idle_rss / 1024))


if __name__ == "__main__":
    main()
