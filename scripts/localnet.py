#!/usr/bin/env python3
"""A CoinBit network on this machine, in one command.

    scripts/localnet.py up 5 --topology ring --miners 3
    scripts/localnet.py up 100 --topology random --dir /tmp/net --detach
    scripts/localnet.py status --dir /tmp/net
    scripts/localnet.py down --dir /tmp/net

Starts N coinbitd nodes on 127.0.0.1, each with its own data directory and
ports, connected as a line, ring, star, random graph or full mesh (each
link made with -connect, so the shape stays as drawn), and returns once
every node answers and every link is connected, printing how to reach each
one. A node that cannot start stops all the others, and up says which and
why (its files stay). On regtest the miners are driven like a real
network's: each of them finds a block now and then (--block-interval
seconds on average per miner); on main they mine for real at the network's
difficulty. Ctrl-C (or `down` after --detach) stops every node cleanly.

Ports are reserved by the framework below the kernel's ephemeral range
(where no outgoing connection can hold one) and passed to each node, so a
node keeps them when restarted and its peers can name it before it starts.
status and down need nothing but the data directories: each running node
keeps coinbitd.pid and coinbitd.ports there, and holds its .lock.

The nodes and networks themselves are tests/functional/framework.py,
which the functional tests and benchmarks use too. Python 3 standard
library only.
"""
import argparse
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "functional"))
from framework import (BIN, LocalNet, Node, RpcError, StartError,  # noqa: E402
                       netdir_of, new_address, read_runfiles)


def print_table(net):
    print("%-6s %-22s %-8s %-8s %s" % ("node", "peers at", "rpc", "web", "try"))
    for i, n in enumerate(net.nodes):
        flag = "-regtest " if net.network == "regtest" else ""
        print("%-6d %-22s %-8d %-8d %s/coinbit-cli %s-datadir=%s -rpcport=%d getpeerinfo"
              % (i, n.address(), n.port, n.web_port, os.path.relpath(BIN), flag, n.datadir, n.port))
    print("links:", " ".join("%d-%d" % (a, b) for a, b in net.links))
    others = ",".join("127.0.0.1:%d" % n.web_port for n in net.nodes[1:])
    print("every node's tip on one tree: http://127.0.0.1:%d/#/network?nodes=%s"
          % (net.nodes[0].web_port, others))


def cmd_up(a):
    root = a.dir or tempfile.mkdtemp(prefix="cb-localnet-")
    os.makedirs(root, exist_ok=True)
    running = [d for d, _, f in find_nodes(root) if f["running"]]
    if running:
        print("error: %d nodes already run in %s (the first: %s); stop them with: %s down "
              "--dir %s" % (len(running), root, running[0], sys.argv[0], root), file=sys.stderr)
        return 1
    miners = list(range(min(a.miners, a.nodes)))
    try:
        net = LocalNet(a.nodes, a.topology, root, a.network, seed=a.seed)
    except ValueError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    addrs = {i: new_address(a.network) for i in miners}
    if a.network == "main":
        for i in miners:
            net.nodes[i].extra += ["-mine", "-mineto=" + addrs[i]]
    t0 = time.time()
    try:
        net.start(timeout=a.timeout)
        up = time.time() - t0
        net.wait_connected(timeout=a.timeout)
    except StartError as e:
        node = net.nodes[e.index]
        print("error: node %d did not start: %s\n  its log: %s\n  stopped the other %d nodes; "
              "their files are in %s" % (e.index, e.reason, node.errlog, a.nodes - 1, root),
              file=sys.stderr)
        return 1
    except AssertionError as e:
        net.stop()
        print("error: %s\n  stopped all %d nodes; their files are in %s" % (e, a.nodes, root),
              file=sys.stderr)
        return 1
    except BaseException:
        net.stop()
        raise
    linked = time.time() - t0
    print("CoinBit %s network of %d nodes (%s) in %s" % (a.network, a.nodes, a.topology, root))
    print_table(net)
    print("all %d nodes answer (%.2f s) and all %d links are connected (%.2f s)"
          % (a.nodes, up, len(net.links), linked), flush=True)
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


def natural(name):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def find_nodes(root):
    """(datadir, network, runfiles) of every node directory under root,
    from the directories alone: a node's own folder holds regtest/.lock
    (regtest) or .lock (main)."""
    out = []
    try:
        names = sorted(os.listdir(root), key=natural)
    except FileNotFoundError:
        return out
    for name in names:
        d = os.path.join(root, name)
        for network in ("regtest", "main"):
            netdir = netdir_of(d, network)
            if os.path.isfile(os.path.join(netdir, ".lock")):
                out.append((d, network, read_runfiles(netdir)))
                break
    return out


def rpc_node(datadir, network, files, timeout=30):
    n = Node(datadir, network=network, p2p_port=files["port"] or 1,
             rpc_port=files["rpcport"] or 1)
    n.rpc_timeout = timeout
    return n


def cmd_status(a):
    nodes = find_nodes(a.dir)
    if not nodes:
        print("no CoinBit node has run in %s" % a.dir, file=sys.stderr)
        return 1
    up = 0
    for d, network, f in nodes:
        name = os.path.basename(d)
        if not f["running"]:
            print("%-8s stopped%s" % (name, " (killed: it left its pid file)" if f["pid"] else ""))
            continue
        if not f["rpcport"]:
            print("%-8s starting (pid %s)" % (name, f["pid"]))
            continue
        n = rpc_node(d, network, f)
        try:
            height = n.rpc("getblockcount")
            tip = n.rpc("getbestblockhash")
            peers = n.rpc("getconnectioncount")
            up += 1
            print("%-8s pid %-7s p2p %-5d rpc %-5d web %-5s height %-6d tip %s  %d peers"
                  % (name, f["pid"], f["port"], f["rpcport"], f["webport"] or "off", height,
                     tip[:16], peers))
        except (OSError, RpcError) as e:
            print("%-8s pid %s, not answering on RPC port %d (%s)" % (name, f["pid"],
                                                                     f["rpcport"], e))
    print("%d of %d nodes running and answering" % (up, len(nodes)))
    return 0


def holds_lock(pid, netdir):
    """Whether process pid has netdir/.lock open: the running node there,
    not some process that was given its old pid."""
    want = os.path.realpath(os.path.join(netdir, ".lock"))
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == want:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def alive(pid):
    """Whether pid is a process that has not exited (a zombie has)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def cmd_down(a):
    nodes = []
    for d, network, f in find_nodes(a.dir):
        if f["running"]:
            netdir = netdir_of(d, network)
            # Only a pid seen holding the node's lock is ever signalled.
            pid = f["pid"] if f["pid"] and holds_lock(f["pid"], netdir) else None
            nodes.append((os.path.basename(d), netdir, network, f, pid))
    if not nodes:
        print("no node is running in %s" % a.dir)
        return 0
    for name, netdir, network, f, pid in nodes:
        try:
            rpc_node(os.path.dirname(netdir) if network == "regtest" else netdir, network, f,
                     timeout=5).rpc("stop")
        except (OSError, RpcError):
            if pid:
                os.kill(pid, signal.SIGTERM)

    def running(entry):
        _, netdir, _, _, pid = entry
        return read_runfiles(netdir)["running"] or (pid is not None and alive(pid))

    deadline = time.time() + a.timeout
    left = nodes
    while left and time.time() < deadline:
        time.sleep(0.05)
        left = [e for e in left if running(e)]
    killed = [e for e in left if e[4]]
    for e in killed:
        os.kill(e[4], signal.SIGKILL)
    for _ in range(200):
        if not any(running(e) for e in killed):
            break
        time.sleep(0.05)
    print("stopped %d nodes cleanly" % (len(nodes) - len(left)))
    if killed:
        print("killed %d that did not stop within %g s: %s"
              % (len(killed), a.timeout, " ".join(e[0] for e in killed)))
    still = [e[0] for e in nodes if running(e)]
    if still:
        print("error: still running: %s" % " ".join(still), file=sys.stderr)
        return 1
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
    up.add_argument("--seed", type=int, default=1, help="random topology: which graph")
    up.add_argument("--timeout", type=float, default=0,
                    help="seconds to wait for the nodes and then their links "
                         "(default: 60 plus 1 a node)")
    for name in ("status", "down"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True)
    sub.choices["down"].add_argument("--timeout", type=float, default=60,
                                     help="seconds a node has to stop before it is killed")
    a = ap.parse_args()
    if a.cmd == "up" and not a.timeout:
        a.timeout = 60 + a.nodes
    if a.cmd == "up" and not 1 <= a.nodes <= 200:
        ap.error("between 1 and 200 nodes")
    return {"up": cmd_up, "status": cmd_status, "down": cmd_down}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
