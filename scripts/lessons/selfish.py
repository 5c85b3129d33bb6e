"""Selfish mining (Eyal and Sirer, "Majority is not Enough", 2014): a miner
that withholds its blocks earns more than its share of the hash rate."""
from story import Lesson

BLOCK_SPACING = 60.0


def eyal_sirer_share(alpha, gamma):
    """The selfish pool's expected share of the chain's blocks (their
    equation 8), for hash share alpha and tie share gamma."""
    a, g = alpha, gamma
    return (a * (1 - a) ** 2 * (4 * a + g * (1 - 2 * a)) - a ** 3) / (1 - a * (1 + (2 - a) * a))


class SelfishMining(Lesson):
    name = "selfish-mining"
    title = "Selfish mining: withholding blocks pays more than the hash rate"
    about = """A pool with 40% of the hash rate keeps the blocks it finds to itself and
    publishes them only to overtake the honest miners' blocks, which then go
    stale. The honest miners waste work on blocks that lose, so the pool's share
    of the chain comes out above its 40% of the hash rate, as Eyal and Sirer
    showed for any pool above a third of the hash rate (when, as here, every
    honest miner hears of an honest block first in a tie)."""

    def run(self):
        names = ["honest-1", "honest-2", "selfish"]
        self.start_net(3, [(1, 0)], names=names)  # the pool's node has no peers
        alpha = 0.4
        shares = [0.3, 0.3, alpha]
        events = 80 if self.short else 1000
        base = self.height(0)
        # What the rules say must happen, kept beside the nodes: the owners
        # ("S" pool, "H" honest) of the public chain and the pool's chain
        # above the start, and how many of the pool's blocks are out.
        pub, priv, published = [], [], 0
        race = False
        unpublished = []  # the pool's blocks nobody else has yet, in order

        def publish(count):
            nonlocal published, pub
            for h in unpublished[:count]:
                raw = self.node(2).rpc("getblock", h, 0)
                self.node(0).rpc("submitblock", raw)
            del unpublished[:count]
            published += count
            if published > len(pub):  # longer: the honest nodes move to it
                pub = priv[:published]
            self.same_tip([0, 1])

        self.step("The pool mines in secret; the honest miners mine in the open")
        self.say("""The pool's rule: keep each block it finds. When the honest miners find
        one, publish just enough to stay ahead: with a lead of one, publish it and
        race (a tie); with a lead of two, publish both and win; with more, publish
        one. After a lost race, or when behind, take the public chain.""")
        for _ in range(events):
            self.advance(self.draw_interval(1.0 / BLOCK_SPACING))
            who = self.draw_miner(shares)
            if who == 2:
                h = self.mine(2)[0]
                priv.append("S")
                unpublished.append(h)
                if race:  # the pool extends its side of the tie: it wins both
                    race = False
                    publish(len(unpublished))
                continue
            h = self.mine(who)[0]
            self.same_tip([0, 1])
            pub.append("H")
            self.node(2).rpc("submitblock", self.node(who).rpc("getblock", h, 0))
            if len(pub) > len(priv):  # the pool takes the longer public chain
                priv = pub[:]
                published = len(pub)
                unpublished.clear()
                race = False
            elif race:
                race = False
            elif len(unpublished) == 1:
                publish(1)
                race = True
            elif len(unpublished) == 2:
                publish(2)
            elif unpublished:
                publish(1)
        if unpublished:  # the end: the pool shows the rest of its lead
            publish(len(unpublished))
        self.same_tip([0, 1])

        self.step("Count who mined the chain the network agrees on")
        chain = self.chain(0, base + 1)
        owners = ["S" if self.miner_of(0, h) == self.miners[2] else "H" for h in chain]
        self.check(owners == pub,
                   "the honest nodes' chain is exactly the one the rules predict "
                   "(%d blocks)" % len(pub), "".join(owners[:40]))
        pool = owners.count("S")
        share = pool / float(len(owners))
        tips = self.node(2).rpc("getchaintips")
        predicted = eyal_sirer_share(alpha, 0.0)
        self.out.write("    blocks in the chain: %d; the pool's: %d (%.1f%%)\n"
                       % (len(owners), pool, 100 * share))
        self.out.write("    the pool's hash rate: %.0f%%; Eyal and Sirer's share for it: "
                       "%.1f%%\n" % (100 * alpha, 100 * predicted))
        stale_honest = sum(1 for t in tips if t["status"] in ("valid-fork", "headers-only"))
        self.out.write("    stale branches left behind: %d\n" % stale_honest)
        if not self.short:
            # The share of one run spreads far more than a coin's: the
            # pool's wins come in runs. 1.37 / sqrt(events) is its standard
            # deviation at this alpha (measured over 1,000 seeded runs of
            # the same rules without nodes).
            spread = 4 * 1.37 / events ** 0.5
            self.check(abs(share - predicted) <= spread,
                       "the pool's share is Eyal and Sirer's %.1f%%, within %.1f points"
                       % (100 * predicted, 100 * spread), "%.1f%%" % (100 * share))
        self.say("""Honest mining would have given the pool about 40% of the blocks. Above a
        third of the hash rate, withholding gives it more; the network's security
        rests on no such pool existing.""")
        self.fact("chain", len(owners))
        self.fact("pool_blocks", pool)
