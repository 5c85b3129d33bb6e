"""What every lesson is made of: a network of its own, narration, a clock
and miners the lesson paces, waits for what it expects, and checks.

A lesson is a class with a name, a title, a few lines on what it shows,
and run(). run() starts its nodes (self.start_net), tells the story in
steps (self.step, self.say), makes things happen through the nodes' RPC,
waits for the network to answer (self.wait), and checks each outcome
(self.check): a check that fails stops the lesson with the reason and a
non-zero exit, so every lesson is also a test.

The same seed tells the same story: the nodes' clocks are set by the
lesson (-mocktime, then setmocktime as the story moves on), who finds the
next block and when is drawn from the lesson's seeded generator (a miner
with twice the hash rate is drawn twice as often, and the time to the next
block is exponential with the network's rate), and the order in which
news crosses the network is set by holding and releasing links. What the
story says (its facts) comes out the same for the same seed; hashes and
ports do not.
"""
import math
import os
import random
import signal
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "functional"))
from framework import LocalNet, RpcError, tool  # noqa: E402
from relay import Relay  # noqa: E402

# Every lesson's clock starts here: a day after the genesis block (and so
# before any real day these lessons run on: a block may not be more than
# two hours ahead of its node's clock).
START_TIME = 1795392000 + 86400
COIN = 100_000_000


class LessonFailed(Exception):
    """A check did not hold: what was expected, and what was seen."""


def cb(amount_sats):
    """Satoshi-like units as CB text with 8 decimals."""
    return "%d.%08d" % divmod(amount_sats, COIN)


class Lesson:
    name = ""
    title = ""
    about = ""        # what it shows, a few sentences
    network = "regtest"

    def __init__(self, seed=1, short=False, root=None, latency_ms=0, loss=0.0,
                 bandwidth_kbit=0, out=sys.stdout, pace=0.0):
        self.seed = seed
        self.short = short
        self.root = root
        self.rng = random.Random(seed)
        self.latency_ms, self.loss, self.bandwidth_kbit = latency_ms, loss, bandwidth_kbit
        self.out = out
        self.pace = pace  # seconds to pause after each step, for a person watching
        self.net = None
        self.now = START_TIME
        self.steps = 0
        self.facts = []  # (key, value): the story, the same for one seed
        self.checks = 0
        self.names = []

    # Telling.
    def say(self, text):
        for para in text.strip().split("\n\n"):
            self.out.write(textwrap.fill(" ".join(para.split()), 78, initial_indent="  ",
                                         subsequent_indent="  ", break_on_hyphens=False,
                                         break_long_words=False) + "\n")
        self.out.flush()

    def step(self, title):
        if self.steps and self.pace:
            time.sleep(self.pace)
        self.steps += 1
        self.out.write("\nStep %d. %s\n" % (self.steps, title))
        self.out.flush()

    def check(self, ok, what, seen=None):
        """ok must hold; what says it in words, seen what was found."""
        self.checks += 1
        if not ok:
            raise LessonFailed(what + ("" if seen is None else " (seen: %s)" % (seen,)))
        self.out.write("  [ok] %s\n" % what)
        self.out.flush()

    def fact(self, key, value):
        self.facts.append((key, value))

    def wait(self, fn, what, timeout=60):
        """Until fn() gives something true (returned); LessonFailed after
        timeout seconds of real time."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                got = fn()
            except (RpcError, OSError) as e:
                got, last = None, e
            if got:
                return got
            time.sleep(0.01)
        raise LessonFailed("waited %d s for %s%s" % (timeout, what,
                                                     " (%s)" % last if last else ""))

    # The network.
    def start_net(self, n, links, names=None, extra=(), per_node=None):
        """n nodes linked by (dialer, listener) pairs, every link through
        the relay (so it can be delayed, held and cut), every clock at the
        lesson's. Returns the LocalNet."""
        self.names = names or ["node%d" % i for i in range(n)]
        relay = Relay(self.latency_ms, self.loss, self.bandwidth_kbit, seed=self.seed)
        root = self.root
        if root:
            os.makedirs(root, exist_ok=True)
        self.net = LocalNet(n, links=links, root=root, network=self.network, relay=relay,
                            extra=["-mocktime=%d" % self.now] + list(extra))
        for i, node in enumerate(self.net.nodes):
            node.extra += (per_node or {}).get(i, [])
        self.net.start()
        self.net.wait_connected(60)
        self.miners = [self.address() for _ in range(n)]
        self.say("%d nodes run on this machine, each with its own data directory under %s."
                 % (n, self.net.root))
        for i, node in enumerate(self.net.nodes):
            self.out.write("    %-10s web view http://127.0.0.1:%d/   rpc port %d\n"
                           % (self.names[i], node.web_port, node.port))
        others = ",".join("127.0.0.1:%d" % x.web_port for x in self.net.nodes[1:])
        self.out.write("    all their tips on one tree: http://127.0.0.1:%d/#/network?nodes=%s\n"
                       % (self.net.nodes[0].web_port, others))
        return self.net

    def node(self, i):
        return self.net.nodes[i]

    def link(self, a, b):
        """The relay's index of the link between a and b (either way)."""
        for ab, k in self.net.relay_link.items():
            if ab in ((a, b), (b, a)):
                return k
        raise KeyError("no link %d-%d" % (a, b))

    def links_of(self, group):
        """The links with exactly one end in group (the ones a split cuts)."""
        g = set(group)
        return [k for (a, b), k in self.net.relay_link.items() if (a in g) != (b in g)]

    def cut(self, links):
        for k in links:
            self.net.relay.cut(k)

    def heal(self, links):
        """Lets the links carry again and has their dialers reconnect at
        once (as an operator would; left alone, a node retries after a
        back-off that has grown while the link was down)."""
        for k in links:
            self.net.relay.heal(k)
        for (a, b), k in self.net.relay_link.items():
            if k in links:
                self.node(a).rpc("addnode", self.net.dial[(a, b)], "onetry")
        self.wait(lambda: not [ab for ab in self.net.missing_links()
                               if self.net.relay_link[ab] in links],
                  "the healed links to connect", 60)

    def hold(self, links):
        for k in links:
            self.net.relay.hold(k)

    def release(self, links):
        for k in links:
            self.net.relay.release(k)

    # The clock.
    def advance(self, seconds):
        """Moves every node's clock on. Long jumps go in steps a peer's
        ping can follow (an idle peer is dropped after 600 s of silence)."""
        target = self.now + int(round(seconds))
        while self.now < target:
            self.now = min(target, self.now + 240)
            for node in self.net.nodes:
                if node.running():
                    node.rpc("setmocktime", self.now)
            if self.now < target:
                time.sleep(0.25)  # two ticks of the nodes' timers: pings go out

    def draw_interval(self, rate):
        """Seconds to the next block of a network finding `rate` blocks a
        second (exponential: mining has no memory)."""
        return -math.log(1.0 - self.rng.random()) / rate

    def draw_miner(self, shares):
        """Who finds the next block: index into shares (hash rates)."""
        x = self.rng.random() * sum(shares)
        for i, s in enumerate(shares):
            x -= s
            if x < 0:
                return i
        return len(shares) - 1

    # Coins.
    def address(self):
        return self.key()["address"]

    def key(self):
        out = {}
        for line in tool("newkey", network=self.network).splitlines():
            k, v = line.split(":", 1)
            out[k.split()[0]] = v.strip()
        return out

    def mine(self, i, count=1, to=None):
        """node i finds count blocks (paying its miner's address)."""
        return self.node(i).rpc("generatetoaddress", count, to or self.miners[i])

    def sign(self, key, to, amount, fee, nonce):
        """A signed payment (hex), made offline by coinbit-tool."""
        return tool("signtx", key["private"], to, amount, fee, str(nonce), str(self.now),
                    network=self.network).strip()

    def balance(self, i, address):
        return self.node(i).rpc("getaccount", address)["balance"]

    def tip(self, i):
        return self.node(i).rpc("getbestblockhash")

    def height(self, i):
        return self.node(i).rpc("getblockcount")

    def has_block(self, i, h):
        """Whether node i knows h (its header at least)."""
        try:
            self.node(i).rpc("getblockheader", h)
            return True
        except RpcError:
            return False

    def in_chain(self, i, h):
        """Whether h is on node i's active chain (its payments applied)."""
        try:
            return self.node(i).rpc("getblockheader", h)["confirmations"] > 0
        except RpcError:
            return False

    def same_tip(self, nodes, timeout=60):
        """Until the nodes agree on one tip; returns it."""
        def agreed():
            tips = {self.tip(i) for i in nodes}
            return tips.pop() if len(tips) == 1 else None
        return self.wait(agreed, "nodes %s to agree on one tip" % list(nodes), timeout)

    def miner_of(self, i, h):
        """The address the block's coinbase pays."""
        return self.node(i).rpc("getblock", h, 2)["tx"][0]["recipient"]

    def chain(self, i, since=1):
        """The active chain's hashes from height since up to the tip."""
        n = self.node(i)
        return [n.rpc("getblockhash", h) for h in range(since, n.rpc("getblockcount") + 1)]

    # Running.
    def stop_net(self):
        if self.net:
            self.net.stop()

    def story(self):
        return " ".join("%s=%s" % kv for kv in self.facts)


def run_lesson(lesson, stop):
    """Runs one lesson to its end. Returns 0 when every check held, 1 when
    one did not (said why). Leaves the network up unless stop (or it failed)."""
    out = lesson.out

    def stop_now(signum, frame):
        raise KeyboardInterrupt
    # Ctrl-C, and a kill (SIGTERM; SIGINT too where a shell started this
    # in the background with SIGINT ignored), stop the network cleanly.
    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)
    out.write("Lesson: %s (seed %d%s)\n" % (lesson.title, lesson.seed,
                                              ", short form" if lesson.short else ""))
    lesson.say(lesson.about)
    ok = False
    try:
        lesson.run()
        ok = True
    except LessonFailed as e:
        out.write("\nThe lesson did not come out as it should: %s\n" % e)
    except KeyboardInterrupt:
        out.write("\nStopped.\n")
        stop = True
    finally:
        if lesson.net and (stop or not ok):
            lesson.stop_net()
    if ok:
        out.write("\nDone: %d checks held.\n" % lesson.checks)
        out.write("story: %s\n" % lesson.story())
        if stop and lesson.net:
            lesson.net.cleanup()  # a folder of its own only, and kept under CB_KEEP
    elif lesson.net:
        out.write("Its files are kept in %s\n" % lesson.net.root)
    out.flush()
    if ok and not stop and lesson.net:
        # The links run through this process: it stays while they do.
        out.write("\nThe network stays up to explore (the web views above, coinbit-cli, or\n"
                  "scripts/localnet.py status --dir %s). Ctrl-C stops it.\n" % lesson.net.root)
        out.flush()
        try:
            while all(n.running() for n in lesson.net.nodes):
                time.sleep(0.5)
            out.write("A node stopped; stopping the others.\n")
        except KeyboardInterrupt:
            pass
        lesson.stop_net()
    return 0 if ok else 1
