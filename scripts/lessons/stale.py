"""Stale blocks from propagation delay, measured against the block interval
(Decker and Wattenhofer, "Information Propagation in the Bitcoin Network",
2013)."""
import math
import time

from story import Lesson


class StaleRate(Lesson):
    name = "stale-rate"
    title = "Stale blocks: propagation delay against the block interval"
    about = """Four miners, every link between them slow (100 ms each way unless
    --latency says otherwise). A block takes a while to reach the others; a miner
    that finds one meanwhile builds on the old tip, and one of the two blocks
    goes stale. The lesson measures how long a block takes to reach every node,
    mines for real in real time, and counts the stale blocks against what the
    delay and the interval predict. This lesson runs on the real clock, so its
    counts differ a little from run to run."""

    def run(self):
        if not self.latency_ms:
            self.latency_ms = 100
        n = 4
        links = [(i, j) for i in range(n) for j in range(i)]
        self.start_net(n, links, names=["miner-%d" % (i + 1) for i in range(n)])
        self.out.write("    every link: %g ms each way%s%s\n" % (
            self.latency_ms, ", %g%% of packets lost" % (100 * self.loss) if self.loss else "",
            ", %g kbit/s" % self.bandwidth_kbit if self.bandwidth_kbit else ""))

        self.step("How long a block takes to reach every node")
        delays = []
        for k in range(5 if self.short else 9):
            who = k % n
            start = time.monotonic()
            h = self.mine(who)[0]
            self.wait(lambda: all(self.tip(i) == h for i in range(n)),
                      "block %d to reach every node" % (k + 1))
            delays.append(time.monotonic() - start)
        delays.sort()
        tau = delays[len(delays) // 2]
        self.out.write("    median time to reach all: %.0f ms (%s)\n"
                       % (1000 * tau, ", ".join("%.0f" % (1000 * d) for d in delays)))
        self.say("""That is three crossings of a link: the block is announced by its
        header, the peer asks for it, and only then is it sent.""")
        self.check(tau >= 3 * self.latency_ms / 1000.0,
                   "a block needs three crossings of a link to arrive", tau)

        interval = 0.5 if self.short else 2.0
        count = 30 if self.short else 150
        self.step("%d blocks, one every %.1f s on average, by whoever finds it" % (count,
                                                                                   interval))
        base = self.height(0)
        # The plan: when each block is found and by whom, from the seed.
        plan, t = [], 0.0
        for _ in range(count):
            t += self.draw_interval(1.0 / interval)
            plan.append((t, self.draw_miner([1] * n)))
        start = time.monotonic()
        for at, who in plan:
            wait = start + at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.mine(who)
        time.sleep(4 * tau + 0.5)
        self.mine(0)  # one more, alone, settles any tie left at the end
        self.same_tip(range(n))
        mined = count + 1
        grown = self.height(0) - base
        stale = mined - grown
        rate = stale / float(mined)
        others = (n - 1) / float(n)
        predicted = 1 - math.exp(-others * tau / interval)
        self.out.write("    mined %d blocks, the chain grew by %d: %d stale (%.1f%%)\n"
                       % (mined, grown, stale, 100 * rate))
        self.out.write("    predicted: 1 - exp(-%.2f x %.3f s / %.1f s) = %.1f%%\n"
                       % (others, tau, interval, 100 * predicted))
        self.out.write("    here the delay is %.1f%% of the interval. Bitcoin in 2013 (Decker and "
                       "Wattenhofer):\n    a median of 6.5 s for a block to reach a node, 1.1%% "
                       "of its 600 s interval;\n    1.69%% of its blocks forked\n"
                       % (100 * tau / interval))
        expect = predicted * mined
        self.check(abs(stale - expect) <= 4 * math.sqrt(expect) + 3,
                   "the stale count is what the delay predicts (%.1f, give or take %.1f)"
                   % (expect, 4 * math.sqrt(expect) + 3), stale)
        self.say("""The stale rate grows with the ratio of delay to interval: a network with
        blocks every second would waste a large share of its work, one with blocks
        every ten minutes almost none. That ratio is why Bitcoin's interval is long.""")
        self.fact("blocks", mined)
