#!/usr/bin/env python3
"""A local network of N nodes (default 100) on this machine, printing figures.

    bench/localnet_bench.py [--nodes 100] [--trials 10]

For a random graph (about 3 links a node) and for a line of N nodes:
  - the time until every node answers, and until every link is connected
    (what scripts/localnet.py up waits for);
  - the total resident memory of the nodes, and per node;
  - the time for a block mined at node 0 to become every node's tip, read
    from the nodes' millisecond log stamps (median and max over trials),
    beside the time to the first peer, so the hop count shows;
  - the time for `stop` to end every node.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
sys.path.insert(0, HERE)
from framework import LocalNet, edges, new_address  # noqa: E402
from p2p_bench import tip_times  # noqa: E402


def run(topology, nodes, trials):
    net = LocalNet(nodes, topology, seed=7)
    try:
        t0 = time.time()
        net.start(timeout=60 + nodes)
        answered = time.time() - t0
        net.wait_connected(timeout=60 + nodes)
        linked = time.time() - t0
        rss = [n.rss_kib() for n in net.nodes]
        addr = new_address("regtest")
        net.nodes[0].rpc("generatetoaddress", 1, addr)
        net.wait_same_tip(timeout=120)
        reach, first = [], []
        for _ in range(trials):
            h = net.nodes[0].rpc("generatetoaddress", 1, addr)[0]
            net.wait_same_tip(timeout=120)
            t = tip_times(net.nodes[0], h)
            delays = [tip_times(n, h) - t for n in net.nodes[1:]]
            reach.append(max(delays) * 1000)
            first.append(min(delays) * 1000)
            time.sleep(0.2)
        t1 = time.time()
        net.stop()
        stopped = time.time() - t1
        return {"links": len(net.links), "answered": answered, "linked": linked,
                "rss": sum(rss), "reach": reach, "first": first, "stopped": stopped}
    finally:
        net.stop()
        net.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--trials", type=int, default=10)
    a = ap.parse_args()
    print("A local network of %d nodes on %d cores (%d trials of one block each)"
          % (a.nodes, os.cpu_count(), a.trials))
    for topology in ("random", "line"):
        r = run(topology, a.nodes, a.trials)
        print("%s, %d links:" % (topology, r["links"]))
        print("  all answer after %.2f s, all linked after %.2f s; all stopped in %.2f s"
              % (r["answered"], r["linked"], r["stopped"]))
        print("  resident memory %.0f MiB in all, %.1f MiB a node"
              % (r["rss"] / 1024, r["rss"] / 1024 / a.nodes))
        print("  a block reaches all: median %.1f ms, max %.1f ms (first peer: median %.1f ms);"
              " %.2f ms a hop at the median" % (statistics.median(r["reach"]), max(r["reach"]),
                                                 statistics.median(r["first"]),
                                                 statistics.median(r["reach"]) /
                                                 hops(topology, a.nodes)))


def hops(topology, nodes):
    """The longest path a block takes from node 0 (the line's length; the
    random graph's eccentricity of node 0)."""
    if topology == "line":
        return nodes - 1
    adj = {i: set() for i in range(nodes)}
    for x, y in edges(nodes, topology, seed=7):
        adj[x].add(y)
        adj[y].add(x)
    seen, frontier, depth = {0}, [0], 0
    while frontier:
        nxt = [v for u in frontier for v in adj[u] if v not in seen]
        seen.update(nxt)
        frontier = list(set(nxt))
        if frontier:
            depth += 1
    return depth


if __name__ == "__main__":
    main()
