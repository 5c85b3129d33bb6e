#!/usr/bin/env python3
"""The web view on a long chain, printing figures.

    bench/web_bench.py [--blocks 100000] [--trials 5]

Builds a regtest chain of BLOCKS blocks (bench/make_chain, coinbases only),
starts a node on it, and times each /api/ page (median and max of TRIALS)
at the tip and at the far end (the oldest page of blocks), beside
getblockcount over the RPC as the floor: no page should load the chain.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
from framework import BIN, Node  # noqa: E402


def timed(fn, trials):
    took = []
    for _ in range(trials):
        t = time.perf_counter()
        fn()
        took.append((time.perf_counter() - t) * 1000)
    return statistics.median(took), max(took)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=100000)
    ap.add_argument("--trials", type=int, default=5)
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="cb-webbench-")
    try:
        node = Node(os.path.join(root, "n"), extra=["-connect=0"])
        os.makedirs(node.netdir)
        t = time.time()
        subprocess.run([os.path.join(BIN, "bench", "make_chain"),
                        os.path.join(node.netdir, "coinbit.db"), str(a.blocks), "0"],
                       check=True, capture_output=True)
        print("chain of %d blocks built in %.0f s" % (a.blocks, time.time() - t))
        t = time.time()
        node.start(timeout=3600)
        print("node up in %.1f s" % (time.time() - t))
        tip = node.rpc("getbestblockhash")
        pages = node.web_json("/api/blocks")[1]["pages"]
        cases = [
            ("RPC getblockcount (the floor)", lambda: node.rpc("getblockcount")),
            ("/api/overview", lambda: node.web("/api/overview")),
            ("/api/blocks (newest)", lambda: node.web("/api/blocks")),
            ("/api/blocks?page=%d (oldest)" % (pages - 1),
             lambda: node.web("/api/blocks?page=%d" % (pages - 1))),
            ("/api/block/TIP", lambda: node.web("/api/block/" + tip)),
            ("/api/tree?n=50", lambda: node.web("/api/tree?n=50")),
            ("/api/tree?n=2000", lambda: node.web("/api/tree?n=2000")),
            ("/api/mempool", lambda: node.web("/api/mempool")),
            ("/metrics", lambda: node.web("/metrics")),
            ("/ (the page)", lambda: node.web("/")),
        ]
        print("%-34s %10s %10s" % ("request at %d blocks" % a.blocks, "median ms", "max ms"))
        for name, fn in cases:
            med, worst = timed(fn, a.trials)
            print("%-34s %10.2f %10.2f" % (name, med, worst))
        node.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
