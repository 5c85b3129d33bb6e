#!/usr/bin/env python3
"""Start-up time and resident memory against chain length.

    bench/scale_bench.py [--blocks 1000,4000,16000] [--payments 100] [--dir D] [--quick]

For each length, bench/make_chain writes a regtest chain of that many
blocks full of payments into a store (kept in --dir and reused), then
coinbitd starts on it, each start timed until it answers over RPC
(polled every 2 ms), its resident memory read from /proc:
  - as it starts by default (the stored headers, tip and wallet table
    taken, the last 6 blocks checked at level 3): a warm-up, then the
    median of 7 starts, taken in turns with the other lengths (a drift
    of the machine's speed falls on all alike), with the node's own
    figures from its log (the index load and the check);
  - with -checkblocks=0 (every block checked, down to genesis and up
    again) and with -reindex (every block replayed in full and the
    chain's rows written again), unless --quick.
Prints a table and the ratios the issue asks for: start(N) / start(first
N), and the memory each extra block costs. Python 3 standard library.
"""
import argparse
import re
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
from framework import BIN, Node  # noqa: E402


def start(datadir, extra):
    n = Node(datadir, extra=["-connect=0", "-listen=0", "-web=0"] + extra)
    t = time.monotonic()
    n.start(timeout=3600, poll=0.002)
    dt = time.monotonic() - t
    rss = n.rss_kib()
    height = n.rpc("getblockcount")
    with open(n.errlog, errors="replace") as f:
        f.seek(n.errlog_from)
        log = f.read()
    n.stop()
    load = re.search(r"wallet table in (\d+) ms", log)
    check = re.search(r"checked at level \d in ([\d.]+) ms", log)
    return dt, rss, height, (float(load.group(1)) if load else 0.0,
                             float(check.group(1)) if check else 0.0)


def default_starts(datadirs):
    """The median of 7 default starts of each store, taken in turns (one
    of each length a round), so that a drift of the machine's speed falls
    on every length alike."""
    for d in datadirs:
        start(d, [])  # warm-up: the store's pages in the page cache
    runs = {d: [] for d in datadirs}
    for _ in range(7):
        for d in datadirs:
            runs[d].append(start(d, []))
    return {d: sorted(r, key=lambda x: x[0])[3] for d, r in runs.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", default="1000,4000,16000")
    ap.add_argument("--payments", type=int, default=100)
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "cb-scale"))
    ap.add_argument("--quick", action="store_true", help="default starts only")
    a = ap.parse_args()
    lengths = [int(x) for x in a.blocks.split(",")]
    rows = []
    dirs = {}
    for n in lengths:
        d = dirs[n] = os.path.join(a.dir, "chain-%d-%d" % (n, a.payments))
        db = os.path.join(d, "regtest", "coinbit.db")
        if not os.path.exists(db):
            os.makedirs(os.path.dirname(db), exist_ok=True)
            t = time.monotonic()
            subprocess.run([os.path.join(BIN, "bench", "make_chain"), db, str(n),
                            str(a.payments)], check=True, stdout=subprocess.DEVNULL)
            print("made %d blocks in %.0f s" % (n, time.monotonic() - t), file=sys.stderr)
    defaults = default_starts(list(dirs.values()))
    for n in lengths:
        d = dirs[n]
        db = os.path.join(d, "regtest", "coinbit.db")
        default = defaults[d]
        none = (0.0, 0, 0, (0.0, 0.0))
        full = none if a.quick else start(d, ["-checkblocks=0"])
        reindex = none if a.quick else start(d, ["-reindex"])
        rows.append((n, default, full, reindex, os.path.getsize(db)))
    print("%-8s %-34s %-24s %-22s %s" % ("blocks", "start (default: load + check)",
                                         "start (-checkblocks=0)", "start (-reindex)", "store"))
    for n, (t1, r1, _, (lm, cm)), (t2, r2, _, _), (t3, r3, _, _), size in rows:
        print("%-8d %6.3f s (%4.0f + %4.0f ms) %6.1f MiB   %6.2f s %7.1f MiB      "
              "%6.2f s %7.1f MiB    %.0f MiB"
              % (n, t1, lm, cm, r1 / 1024, t2, r2 / 1024, t3, r3 / 1024, size / 2 ** 20))
    n0, (t0, r0, _, _) = rows[0][0], rows[0][1]
    if not a.quick:
        print("default start against every block checked in full, same run:")
        for n, (t1, _, _, _), (t2, _, _, _), _, _ in rows:
            print("  %6d blocks: %.1fx faster" % (n, t2 / t1))
    for n, (t1, r1, _, _), _, _, _ in rows[1:]:
        print("start(%d) / start(%d) = %.2f; memory per extra block: %.0f bytes"
              % (n, n0, t1 / t0, (r1 - r0) * 1024.0 / (n - n0)))


if __name__ == "__main__":
    main()
