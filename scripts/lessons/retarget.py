"""The difficulty retarget, on the main network's rules: the hash rate
doubles, and the next retarget answers."""
from story import Lesson

GENESIS_TIME = 1795392000
SPACING = 60      # main: seconds a block should take
INTERVAL = 60     # main: blocks between retargets
LIMIT_BITS = 0x1F00FFFF


def target_of(bits):
    """Bitcoin's compact form read (SetCompact), for valid positive bits."""
    size, word = bits >> 24, bits & 0x007FFFFF
    return word >> 8 * (3 - size) if size <= 3 else word << 8 * (size - 3)


def bits_of(target):
    """Bitcoin's compact form written (GetCompact)."""
    size = (target.bit_length() + 7) // 8
    word = target << 8 * (3 - size) if size <= 3 else target >> 8 * (size - 3)
    if word & 0x00800000:
        word >>= 8
        size += 1
    return (size << 24) | word


def next_bits(last_bits, last_time, first_time):
    """The retarget rule as SPEC section 4 and Bitcoin state it: the
    period's time span (clamped to a quarter and four times the planned
    span) scales the target; never easier than the limit."""
    span = INTERVAL * SPACING
    actual = min(max(last_time - first_time, span // 4), span * 4)
    target = min(target_of(last_bits) * actual // span, target_of(LIMIT_BITS))
    return bits_of(target)


def work_of(bits):
    return (1 << 256) // (target_of(bits) + 1)


class Retarget(Lesson):
    name = "retarget"
    title = "The retarget: the hash rate doubles and the difficulty follows"
    about = """On the main network's rules a block should come every 60 seconds, and
    every 60 blocks the difficulty is set again from how long the last 60 took.
    One miner mines a period at the rate of one block a minute; then a second
    miner as fast joins, blocks come twice as fast, and the next retarget makes
    each block twice as hard, so they come every minute again. The hash rates
    are the lesson's: its clock moves as fast as miners of that speed would
    take, while the real nodes do the real work."""
    network = "main"

    def run(self):
        self.now = GENESIS_TIME  # the first period starts at the genesis block
        self.start_net(2, [(1, 0)], names=["miner-1", "miner-2"])
        rate = work_of(LIMIT_BITS) / SPACING  # hashes a second: a block a minute
        self.say("""Each miner hashes %.0f times a second here: one block a minute at the
        lowest difficulty.""" % rate)
        periods = 2 if self.short else 3
        hashrates = [rate, 0.0]
        for period in range(periods):
            if period == 1:
                self.step("A second miner joins: the network's hash rate doubles")
                hashrates = [rate, rate]
            else:
                self.step("Period %d: blocks %d to %d" % (period + 1, period * INTERVAL,
                                                          (period + 1) * INTERVAL - 1))
            bits = None
            for height in range(max(1, period * INTERVAL), (period + 1) * INTERVAL):
                info = self.node(0).rpc("getblockheader", self.tip(0))
                bits = int(info["bits"], 16) if height % INTERVAL else None
                if bits is None:  # a retarget height: the rule, then the node
                    first = self.node(0).rpc("getblockheader",
                                             self.node(0).rpc("getblockhash",
                                                              height - INTERVAL))["time"]
                    bits = next_bits(int(info["bits"], 16), info["time"], first)
                self.advance(self.draw_interval(sum(hashrates) / work_of(bits)))
                h = self.mine(self.draw_miner(hashrates))[0]
                self.same_tip([0, 1])
                got = self.node(0).rpc("getblockheader", h)
                if height % INTERVAL == 0:
                    self.check(int(got["bits"], 16) == bits,
                               "block %d carries bits %08x, as the rule computes from the "
                               "last period's %d s" % (height, bits, info["time"] - first),
                               got["bits"])
            times = [self.node(0).rpc("getblockheader", self.node(0).rpc("getblockhash", x))
                     ["time"] for x in (period * INTERVAL, (period + 1) * INTERVAL - 1)]
            mean = (times[1] - times[0]) / float(INTERVAL - 1)
            diff = self.node(0).rpc("getmininginfo")["difficulty"]
            self.out.write("    %d blocks, one every %.1f s on average; the next period's "
                           "difficulty: %.3f\n" % (INTERVAL, mean, diff))
            self.fact("period%d_mean" % (period + 1), "%.1f" % mean)
            self.fact("period%d_next_difficulty" % (period + 1), "%.3f" % diff)
            if period == 1:
                self.check(diff > 1.4, "the difficulty rises with the hash rate (about 2)", diff)
            if period == 2:
                # The time a block takes at this period's difficulty and hash
                # rate; 59 exponential intervals spread their mean by
                # 1/sqrt(59) of it.
                expect = work_of(bits) / sum(hashrates)
                self.out.write("    expected at difficulty %.3f and twice the hash rate: "
                               "%.1f s\n" % (work_of(bits) / work_of(LIMIT_BITS), expect))
                self.check(abs(mean - expect) < 4 * expect / 59 ** 0.5,
                           "with both miners at the new difficulty, about a block a minute again",
                           "%.1f s" % mean)
        self.say("""Each retarget looks back one period (from its first block to its last, 59
        intervals: Bitcoin's off-by-one) and moves the difficulty by the ratio of
        planned to real time, by at most four times either way.""")
