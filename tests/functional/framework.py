"""The functional test framework: CoinBit nodes on this machine.

Node (one coinbitd with its own data directory and ports, driven through
its RPC), LocalNet (N of them linked as a line, ring, star or mesh), and
small helpers (tool, newkey, free_port). The functional tests, the
benchmarks and scripts/localnet.py (the command a learner runs) all use
it. CB_BIN names the build folder (default: build/ at the top). Python 3
standard library only.
"""
import base64
import fcntl
import json
import os
import random
import shutil
import signal
import socket
import subprocess
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


def new_address(network="regtest"):
    """A fresh address from coinbit-tool (the key is not kept: a faucet)."""
    for line in tool("newkey", network=network).splitlines():
        if line.lower().startswith("address"):
            return line.split()[-1]
    raise RuntimeError("coinbit-tool newkey printed no address")


def newkey():
    """A fresh regtest key: {"address", "public", "private"}."""
    out = {}
    for line in tool("newkey").splitlines():
        k, v = line.split(":", 1)
        out[k.split()[0]] = v.strip()
    return out


# Ports for nodes come from below Linux's ephemeral range (32768 up), so
# no outgoing connection of any program is ever handed one, and each is
# reserved for this process by a lock file it holds open until it exits:
# test processes running side by side (ctest -j) and networks started at
# once never pick the same port, and a killed process frees its ports.
PORT_FIRST, PORT_LAST = 20000, 32000
_reserved = {}


def free_port():
    lockdir = os.path.join(tempfile.gettempdir(), "coinbit-ports")
    os.makedirs(lockdir, exist_ok=True)
    span = PORT_LAST - PORT_FIRST
    start = random.SystemRandom().randrange(span)
    for k in range(span):
        port = PORT_FIRST + (start + k) % span
        if port in _reserved:
            continue
        f = open(os.path.join(lockdir, "%d.lock" % port), "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        try:
            with socket.socket() as s:  # nothing else holds it now
                s.bind(("", port))
        except OSError:
            f.close()
            continue
        _reserved[port] = f
        return port
    raise RuntimeError("no free port in %d-%d" % (PORT_FIRST, PORT_LAST))


def replay(node):
    """Balances and nonces ({address: (units, nonce)}, nonzero ones) from
    the blocks of the node's best chain: what its wallet table must hold."""
    acct = {}
    for h in range(node.rpc("getblockcount") + 1):
        for tx in node.rpc("getblock", node.rpc("getblockhash", h), 2)["tx"]:
            amount, fee = round(tx["amount"] * 100_000_000), round(tx["fee"] * 100_000_000)
            if tx["sender"] != "coinbase":
                b, n = acct.get(tx["sender"], (0, 0))
                acct[tx["sender"]] = (b - amount - fee, n + 1)
            b, n = acct.get(tx["recipient"], (0, 0))
            acct[tx["recipient"]] = (b + amount, n)
    return {a: v for a, v in acct.items() if v != (0, 0)}


class RpcError(Exception):
    def __init__(self, err):
        super().__init__(err["message"])
        self.code = err["code"]


def netdir_of(datadir, network="regtest"):
    """Where a node of that network keeps its files under -datadir."""
    return os.path.join(datadir, "regtest") if network == "regtest" else datadir


def read_runfiles(netdir):
    """What a node's data directory says of it: {"running": a node holds
    its .lock now, "pid": from coinbitd.pid or None, "port", "rpcport",
    "webport": from coinbitd.ports or None}. The files of a node that was killed stay
    behind, so only "running" tells whether they are current."""
    out = {"running": False, "pid": None, "port": None, "rpcport": None, "webport": None}
    try:
        with open(os.path.join(netdir, ".lock"), "r") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
            except BlockingIOError:
                out["running"] = True
    except FileNotFoundError:
        return out
    try:
        with open(os.path.join(netdir, "coinbitd.pid")) as f:
            out["pid"] = int(f.read().strip())
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(netdir, "coinbitd.ports")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                if k in ("port", "rpcport", "webport") and v.isdigit():
                    out[k] = int(v)
    except OSError:
        pass
    return out


class Node:
    """One coinbitd process: start, JSON-RPC, coinbit-cli, stop.

    Its ports are reserved here (free_port) and passed to it, so they stay
    the same across restarts and its peers can name it before it starts;
    with any_port=True it starts with -port=0 -rpcport=0 instead and the
    ports it was given are read back from its coinbitd.ports (and kept for
    its restarts)."""

    def __init__(self, datadir, extra=(), network="regtest", p2p_port=None, rpc_port=None,
                 any_port=False):
        self.datadir = datadir
        self.network = network
        self.any_port = any_port and not (p2p_port or rpc_port)
        self.port = 0 if self.any_port else (rpc_port or free_port())
        self.p2p_port = 0 if self.any_port else (p2p_port or free_port())
        self.web_port = 0 if self.any_port else free_port()
        self.extra = list(extra)
        self.proc = None
        self.netdir = netdir_of(datadir, network)
        self.rpc_timeout = 300  # seconds one call may take

    def args(self):
        net = ["-regtest"] if self.network == "regtest" else []
        return [os.path.join(BIN, "coinbitd")] + net + [
            "-datadir=" + self.datadir, "-rpcport=%d" % self.port, "-port=%d" % self.p2p_port,
            "-webport=%d" % self.web_port, "-bind=127.0.0.1", "-minethreads=1"] + self.extra

    def start(self, wait=True, timeout=120, poll=0.05):
        os.makedirs(self.datadir, exist_ok=True)
        self.errlog = os.path.join(self.datadir, "stderr.log")
        with open(self.errlog, "ab") as err:
            self.errlog_from = err.tell()  # what this start writes comes after
            self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=err)
        if wait:
            self.wait_ready(timeout, poll)

    def wait_ready(self, timeout=120, poll=0.05):
        """Until it answers RPC (a node checks its stored chain first),
        looking every `poll` seconds."""
        cookie = os.path.join(self.netdir, ".cookie")
        for _ in range(int(timeout / poll)):
            if self.port == 0:  # learnt from the node once it listens
                got = read_runfiles(self.netdir)
                if got["running"] and got["pid"] == self.proc.pid and got["rpcport"]:
                    self.port, self.p2p_port = got["rpcport"], got["port"]
                    self.web_port = got["webport"]
            if self.port and os.path.exists(cookie):
                try:
                    self.rpc("getblockcount")
                    return
                except OSError:
                    pass
                except RpcError as e:
                    # The cookie read a moment before the node replaced a
                    # killed one's: read it again.
                    if e.code != 401:
                        raise
            if self.proc.poll() is not None:
                with open(self.errlog, errors="replace") as f:
                    f.seek(self.errlog_from)
                    raise RuntimeError("coinbitd exited %d: %s" % (self.proc.returncode,
                                                                    f.read()[-2000:]))
            time.sleep(poll)
        raise RuntimeError("coinbitd did not come up")

    def auth(self):
        with open(os.path.join(self.netdir, ".cookie")) as f:
            return base64.b64encode(f.read().strip().encode()).decode()

    def http(self, body, auth=True, timeout=None):
        timeout = timeout or self.rpc_timeout
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

    def rss_kib(self):
        """Its resident memory now, in KiB (from /proc; 0 when unreadable)."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def address(self):
        return "127.0.0.1:%d" % self.p2p_port

    def web(self, path="/", timeout=30):
        """GET path from its web view: (status, headers, body bytes)."""
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.web_port, path))
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def web_json(self, path):
        status, _, body = self.web(path)
        return status, json.loads(body)


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


def start_failure(node, err):
    """Why a node did not come up, in one line: coinbitd's own "Error:"
    line when it printed one, else what the wait saw."""
    try:
        with open(node.errlog, errors="replace") as f:
            f.seek(node.errlog_from)
            lines = [ln.strip() for ln in f if ln.startswith("Error:")]
        if lines:
            return lines[-1][len("Error:"):].strip()
    except OSError:
        pass
    return str(err).splitlines()[0]


class StartError(RuntimeError):
    """A node of a LocalNet did not come up (the others were stopped)."""

    def __init__(self, index, reason):
        super().__init__("node %d did not start: %s" % (index, reason))
        self.index = index
        self.reason = reason


# One node dials at most this many (-connect) and takes this many in
# before it evicts (coinbitd's CB_NET_MAX_MANUAL and -maxconnections less
# its 8 outbound slots).
MAX_DIALS, MAX_INBOUND = 32, 117


class LocalNet:
    """N nodes under one directory, linked in a shape."""

    def __init__(self, n, topology="mesh", root=None, network="regtest", extra=(), seed=1,
                 relay=None, links=None):
        """relay (relay.Relay, not started): every link goes through it, so
        it can be delayed, held or cut; links: (dialer, listener) pairs
        instead of a topology's."""
        self.root = root or tempfile.mkdtemp(prefix="cb-net-")
        self.own_root = root is None
        self.network = network
        self.links = sorted(links) if links is not None else edges(n, topology, seed)
        dials, takes = [0] * n, [0] * n
        for a, b in self.links:
            dials[a] += 1
            takes[b] += 1
        if n and max(dials) > MAX_DIALS:
            raise ValueError("%s of %d nodes has a node dialing %d peers; at most %d"
                             % (topology, n, max(dials), MAX_DIALS))
        self.nodes = [Node(os.path.join(self.root, "node%d" % i), network=network)
                      for i in range(n)]
        self.relay = relay
        self.dial = {}  # link: the address its dialer connects to
        self.relay_link = {}  # link: its index in the relay
        for a, b in self.links:
            self.dial[(a, b)] = self.nodes[b].address()
            if relay:
                self.relay_link[(a, b)] = relay.add(self.nodes[b].p2p_port)
        if relay:
            relay.start()
            for ab, k in self.relay_link.items():
                self.dial[ab] = "127.0.0.1:%d" % relay.port(k)
        for i, node in enumerate(self.nodes):
            targets = [self.dial[(a, b)] for a, b in self.links if a == i]
            # -connect keeps the drawn shape: no node dials anyone else.
            node.extra = (["-connect=" + t for t in targets] or ["-connect=0"]) + list(extra)
            if takes[i] > MAX_INBOUND:  # a hub (star) takes all its links in
                node.extra.append("-maxconnections=%d" % (takes[i] + 16))

    def start(self, timeout=120):
        """Starts every node and waits until each answers. A node that
        fails stops the others (nothing is removed) and raises StartError
        naming it and why."""
        self.save()
        try:
            for node in self.nodes:
                node.start(wait=False)
            self.save()
            deadline = time.time() + timeout
            for i, node in enumerate(self.nodes):
                try:
                    node.wait_ready(max(1, deadline - time.time()))
                except RuntimeError as e:
                    raise StartError(i, start_failure(node, e)) from None
        except BaseException:
            self.stop()
            raise
        self.save()

    def save(self):
        state = {"network": self.network, "links": self.links,
                 "nodes": [{"datadir": n.datadir, "rpcport": n.port, "p2pport": n.p2p_port,
                            "pid": n.proc.pid if n.proc else None} for n in self.nodes]}
        path = os.path.join(self.root, "localnet.json")
        with open(path + ".new", "w") as f:
            json.dump(state, f, indent=1)
        os.replace(path + ".new", path)

    def missing_links(self):
        """The links not connected both ways yet: (dialer, listener) whose
        dialer has no finished outbound handshake to the listener's
        address, or whose listener has fewer finished inbound ones than
        links into it."""
        peers = [n.rpc("getpeerinfo") for n in self.nodes]
        takes = [0] * len(self.nodes)
        for _, b in self.links:
            takes[b] += 1
        inbound = [sum(1 for p in ps if p["handshake"] and p["inbound"]) for ps in peers]
        missing = []
        for a, b in self.links:
            want = self.dial[(a, b)]
            if not any(p["handshake"] and not p["inbound"] and p["addr"] == want
                       for p in peers[a]) or inbound[b] < takes[b]:
                missing.append((a, b))
        return missing

    def wait_connected(self, timeout=30):
        """Until every link has finished its handshake at both ends."""
        deadline = time.time() + timeout
        while True:
            missing = self.missing_links()
            if not missing:
                return
            if time.time() > deadline:
                raise AssertionError("%d of %d links not up: %s" % (
                    len(missing), len(self.links),
                    " ".join("%d-%d" % ab for ab in missing[:20])))
            time.sleep(0.1)

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
        if self.relay:
            self.relay.stop()

    def cleanup(self):
        if self.own_root and not os.environ.get("CB_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)
