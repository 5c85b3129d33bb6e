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

The functional tests and benchmarks import this file: Node, LocalNet.
Python 3 standard library only.
"""
import argparse
import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("CB_BIN", os.path.join(HERE, "..", "..", "build"))


def tool(*args, network="regtest"):
    """coinbit-tool's output (it signs payments offline, makes keys)."""
    net = ["-regtest"] if network == "regtest" else []
    return subprocess.run([os.path.join(BIN, "coinbit-tool")] + net + list(args),
                          capture_output=True, text=True, check=True).stdout


def newkey():
    """A fresh regtest key: {"address", "public", "private"}."""
    out = {}
    for line in tool("newkey").splitlines():
        k, v = line.split(":", 1)
        out[k.split()[0]] = v.strip()
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RpcError(Exception):
    def __init__(self, err):
        super().__init__(err["message"])
        self.code = err["code"]


class Node:
    """One coinbitd process: start, JSON-RPC, coinbit-cli, stop."""

    def __init__(self, datadir, extra=(), network="regtest", p2p_port=None, rpc_port=None):
        self.datadir = datadir
        self.network = network
        self.port = rpc_port or free_port()
        self.p2p_port = p2p_port or free_port()
        self.extra = list(extra)
        self.proc = None
        sub = "regtest" if network == "regtest" else ""
        self.netdir = os.path.join(datadir, sub) if sub else datadir

    def args(self):
        net = ["-regtest"] if self.network == "regtest" else []
        return [os.path.join(BIN, "coinbitd")] + net + [
            "-datadir=" + self.datadir, "-rpcport=%d" % self.port, "-port=%d" % self.p2p_port,
            "-bind=127.0.0.1", "-minethreads=1"] + self.extra

    def start(self, wait=True, timeout=120):
        os.makedirs(self.datadir, exist_ok=True)
        self.errlog = os.path.join(self.datadir, "stderr.log")
        with open(self.errlog, "ab") as err:
            self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=err)
        if wait:
            self.wait_ready(timeout)

    def wait_ready(self, timeout=120):
        """Until it answers RPC (a node re-validates its stored chain first)."""
        cookie = os.path.join(self.netdir, ".cookie")
        for _ in range(int(timeout / 0.05)):
            if os.path.exists(cookie):
                try:
                    self.rpc("getblockcount")
                    return
                except OSError:
                    pass
            if self.proc.poll() is not None:
                with open(self.errlog) as f:
                    raise RuntimeError("coinbitd exited: " + f.read()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("coinbitd did not come up")

    def auth(self):
        with open(os.path.join(self.netdir, ".cookie")) as f:
            return base64.b64encode(f.read().strip().encode()).decode()

    def http(self, body, auth=True, timeout=300):
        req = urllib.request.Request("http://127.0.0.1:%d/" % self.port, data=body, method="POST")
        if auth:
            req.add_header("Authorization", "Basic " + self.auth())
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            data = e.read()
            return e.code, json.loads(data) if data else None

    def rpc(self, method, *params):
        status, reply = self.http(json.dumps(
            {"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)}).encode())
        if reply is None or reply.get("error"):
            raise RpcError(reply["error"] if reply else {"code": status, "message": "HTTP"})
        return reply["result"]

    def cli(self, *args, check=True):
        net = ["-regtest"] if self.network == "regtest" else []
        p = subprocess.run([os.path.join(BIN, "coinbit-cli")] + net +
                           ["-datadir=" + self.datadir, "-rpcport=%d" % self.port] + list(args),
                           capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise AssertionError("cli %s failed: %s" % (args, p.stderr))
        return p

    def stop(self):
        self.rpc("stop")
        rc = self.proc.wait(timeout=60)
        if rc != 0:  # a clean stop exits 0 (and, under ASan, leaks nothing)
            with open(self.errlog) as f:
                raise AssertionError("coinbitd exited %d: %s" % (rc, f.read()[-3000:]))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def address(self):
        return "127.0.0.1:%d" % self.p2p_port


def edges(n, topology, seed=1):
    """Links (dialer, listener) of a shape; the dialer has the higher index."""
    if topology == "line":
        return [(i, i - 1) for i in range(1, n)]
    if topology == "ring":
        return [(i, i - 1) for i in range(1, n)] + ([(n - 1, 0)] if n > 2 else [])
    if topology == "star":
        return [(i, 0) for i in range(1, n)]
    if topology == "mesh":
        return [(i, j) for i in range(n) for j in range(i)]
    if topology == "random":
        # A random connected graph: a random spanning tree plus extra links,
        # about 3 links per node, like a small real network.
        rng = random.Random(seed)
        links = set()
        for i in range(1, n):
            links.add((i, rng.randrange(i)))
        while len(links) < min(n * 3 // 2, n * (n - 1) // 2):
            a, b = rng.sample(range(n), 2)
            links.add((max(a, b), min(a, b)))
        return sorted(links)
    raise ValueError("topology is line, ring, star, mesh or random")


class LocalNet:
    """N nodes under one directory, linked in a shape."""

    def __init__(self, n, topology="mesh", root=None, network="regtest", extra=(), seed=1):
        self.root = root or tempfile.mkdtemp(prefix="cb-net-")
        self.own_root = root is None
        self.network = network
        self.links = edges(n, topology, seed)
        self.nodes = [Node(os.path.join(self.root, "node%d" % i), network=network)
                      for i in range(n)]
        for i, node in enumerate(self.nodes):
            targets = [self.nodes[b].address() for a, b in self.links if a == i]
            # -connect keeps the drawn shape: no node dials anyone else.
            node.extra = (["-connect=" + t for t in targets] or ["-connect=0"]) + list(extra)

    def start(self):
        for node in self.nodes:
            node.start(wait=False)
        for node in self.nodes:
            node.wait_ready()
        self.save()

    def save(self):
        state = {"network": self.network, "links": self.links,
                 "nodes": [{"datadir": n.datadir, "rpcport": n.port, "p2pport": n.p2p_port,
                            "pid": n.proc.pid if n.proc else None} for n in self.nodes]}
        with open(os.path.join(self.root, "localnet.json"), "w") as f:
            json.dump(state, f, indent=1)

    def wait_connected(self, timeout=30):
        """Until every link has finished its handshake."""
        deadline = time.time() + timeout
        want = [0] * len(self.nodes)
        for a, b in self.links:
            want[a] += 1
            want[b] += 1
        while time.time() < deadline:
            got = [sum(1 for p in n.rpc("getpeerinfo") if p["handshake"]) for n in self.nodes]
            if all(g >= w for g, w in zip(got, want)):
                return
            time.sleep(0.1)
        raise AssertionError("links not all up: want %s got %s" % (want, got))

    def wait_same_tip(self, timeout=120, nodes=None):
        nodes = nodes if nodes is not None else self.nodes
        deadline = time.time() + timeout
        while time.time() < deadline:
            tips = {n.rpc("getbestblockhash") for n in nodes}
            if len(tips) == 1:
                return tips.pop()
            time.sleep(0.05)
        raise AssertionError("nodes did not converge: %s" %
                             [(n.rpc("getblockcount"), n.rpc("getbestblockhash")[:12])
                              for n in nodes])

    def wait_same_mempool(self, timeout=60, nodes=None):
        """Until every node holds the same payments (Core's sync_mempools):
        a payment is announced on the next relay tick, not at once."""
        nodes = nodes if nodes is not None else self.nodes
        deadline = time.time() + timeout
        while time.time() < deadline:
            pools = [sorted(n.rpc("getrawmempool")) for n in nodes]
            if all(p == pools[0] for p in pools):
                return pools[0]
            time.sleep(0.05)
        raise AssertionError("mempools did not converge: %s" % [len(p) for p in pools])

    def stop(self):
        for node in self.nodes:
            if node.running():
                try:
                    node.rpc("stop")
                except (OSError, RpcError):
                    node.kill()
        for node in self.nodes:
            if node.proc:
                try:
                    node.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    node.kill()

    def cleanup(self):
        if self.own_root and not os.environ.get("CB_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)


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
