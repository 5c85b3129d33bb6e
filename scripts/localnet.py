#!/usr/bin/env python3
"""A CoinBit network on this machine, in one command.

    scripts/localnet.py up 5 --topology ring --miners 3
    scripts/localnet.py up 20 --topology line --dir /tmp/net --detach
    scripts/localnet.py status --dir /tmp/net
    scripts/localnet.py down --dir /tmp/net

Starts N coinbitd nodes on 127.0.0.1, each with its own data directory and
ports, connected as a line, ring, star or full mesh (each link made with
-connect, so the shape stays as drawn), and prints how to reach each one.
On regtest the miners are driven like a real network's: each of them finds
a block now and then (--block-interval seconds on average per miner); on
main they mine for real at the network's difficulty. Ctrl-C (or `down`
after --detach) stops every node cleanly.

The nodes and networks themselves are tests/functional/framework.py,
which the functional tests and benchmarks use too. Python 3 standard
library only.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "functional"))
from framework import BIN, LocalNet, Node, RpcError  # noqa: E402


def new_address(network):
    """A fresh address from coinbit-tool (the key is not kept: a faucet)."""
    net = ["-regtest"] if network == "regtest" else []
    out = subprocess.run([os.path.join(BIN, "coinbit-tool")] + net + ["newkey"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.lower().startswith("address"):
            return line.split()[-1]
    raise RuntimeError("coinbit-tool newkey printed no address")


def print_table(net):
    print("%-6s %-22s %-8s %s" % ("node", "peers at", "rpc", "try"))
    for i, n in enumerate(net.nodes):
        flag = "-regtest " if net.network == "regtest" else ""
        print("%-6d %-22s %-8d %s/coinbit-cli %s-datadir=%s -rpcport=%d getpeerinfo"
              % (i, n.address(), n.port, os.path.relpath(BIN), flag, n.datadir, n.port))
    print("links:", " ".join("%d-%d" % (a, b) for a, b in net.links))


def cmd_up(a):
    root = a.dir or tempfile.mkdtemp(prefix="cb-localnet-")
    os.makedirs(root, exist_ok=True)
    miners = list(range(min(a.miners, a.nodes)))
    net = LocalNet(a.nodes, a.topology, root, a.network)
    addrs = {i: new_address(a.network) for i in miners}
    if a.network == "main":
        for i in miners:
            net.nodes[i].extra += ["-mine", "-mineto=" + addrs[i]]
    net.start()
    print("CoinBit %s network of %d nodes (%s) in %s" % (a.network, a.nodes, a.topology, root))
    print_table(net)
    if a.detach:
        print("stop them with: %s down --dir %s" % (sys.argv[0], root))
        return 0
    print("miners: %s; Ctrl-C stops everything" % (", ".join(map(str, miners)) or "none"))
    stop = threading.Event()

    def drive(i):
        rng = random.Random(i)
        while not stop.wait(rng.expovariate(1.0 / a.block_interval)):
            try:
                net.nodes[i].rpc("generatetoaddress", 1, addrs[i])
            except (OSError, RpcError):
                return

    if a.network == "regtest":
        for i in miners:
            threading.Thread(target=drive, args=(i,), daemon=True).start()
    try:
        end = time.time() + a.duration if a.duration else None
        while end is None or time.time() < end:
            time.sleep(min(5, a.duration or 5))
            print("heights:", " ".join(str(n.rpc("getblockcount")) for n in net.nodes), flush=True)
    except KeyboardInterrupt:
        pass
    stop.set()
    net.stop()
    print("stopped")
    return 0


def load_state(root):
    with open(os.path.join(root, "localnet.json")) as f:
        state = json.load(f)
    nodes = []
    for s in state["nodes"]:
        n = Node(s["datadir"], network=state["network"], p2p_port=s["p2pport"],
                 rpc_port=s["rpcport"])
        nodes.append((n, s["pid"]))
    return state, nodes


def cmd_status(a):
    state, nodes = load_state(a.dir)
    for i, (n, _) in enumerate(nodes):
        try:
            print("node %d: height %d, %d peers" % (i, n.rpc("getblockcount"),
                                                    n.rpc("getconnectioncount")))
        except (OSError, RpcError) as e:
            print("node %d: not answering (%s)" % (i, e))
    return 0


def cmd_down(a):
    state, nodes = load_state(a.dir)
    for n, pid in nodes:
        try:
            n.rpc("stop")
        except (OSError, RpcError):
            if pid:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
    print("stopped %d nodes" % len(nodes))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start N nodes")
    up.add_argument("nodes", type=int)
    up.add_argument("--topology", default="ring",
                    choices=["line", "ring", "star", "mesh", "random"])
    up.add_argument("--miners", type=int, default=1)
    up.add_argument("--network", default="regtest", choices=["regtest", "main"])
    up.add_argument("--block-interval", type=float, default=10.0,
                    help="regtest: seconds between blocks of one miner, on average")
    up.add_argument("--dir", help="where the nodes' data goes (default: a new temp dir)")
    up.add_argument("--duration", type=float, default=0, help="stop after this many seconds")
    up.add_argument("--detach", action="store_true", help="leave them running")
    for name in ("status", "down"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True)
    a = ap.parse_args()
    if a.cmd == "up" and not 1 <= a.nodes <= 200:
        ap.error("between 1 and 200 nodes")
    return {"up": cmd_up, "status": cmd_status, "down": cmd_down}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
