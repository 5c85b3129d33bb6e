"""Lessons where the network is split: a partition that heals, and an
attacker with most of the hash rate mining in secret (a 51% attack)."""
from story import Lesson

BLOCK_SPACING = 60.0  # the network's target seconds between blocks


class Partition(Lesson):
    name = "partition"
    title = "A partition: the network splits, both sides mine, it heals"
    about = """Four nodes, two in the east and two in the west, lose the links between
    the two sides. Each side goes on mining its own chain, and a payment is
    confirmed in the west. When the links come back, the west finds the east's
    chain heavier and reorganises onto it: its blocks go stale, and the payment
    they held returns to the mempool until a block on the winning chain takes it."""

    def run(self):
        names = ["east-1", "east-2", "west-1", "west-2"]
        self.start_net(4, [(1, 0), (3, 2), (2, 0), (3, 1)], names=names)
        alice, carol = self.key(), self.address()
        shares = [1, 1, 1, 0]  # west-2 is Carol's shop: it does not mine
        self.advance(60)
        self.mine(0, 2, alice["address"])
        self.same_tip(range(4))
        bridges = self.links_of([0, 1])

        self.step("The links between east and west go down")
        self.cut(bridges)
        self.wait(lambda: all(self.node(i).rpc("getconnectioncount") == 1 for i in range(4)),
                  "each node to keep only the peer on its own side")
        self.check(True, "each node now has one peer, on its own side")

        self.step("In the west, Alice pays Carol 7 CB and a block confirms it")
        txid = self.node(3).rpc("sendrawtransaction",
                                self.sign(alice, carol, "7", "0.0001", 0))
        self.wait(lambda: txid in self.node(2).rpc("getrawmempool"), "west-1 to get the payment")
        self.advance(self.draw_interval(sum(shares) / BLOCK_SPACING))
        self.mine(2)
        self.same_tip([2, 3])
        self.check(self.balance(3, carol) == 7.0, "Carol sees 7 CB, with 1 confirmation")
        self.check(txid not in self.node(0).rpc("getrawmempool"),
                   "the east has never heard of it")

        self.step("Both sides keep mining")
        self.say("""The east has two miners, the west one: the east finds about two blocks
        for each of the west's.""")
        want = 6 if self.short else 16
        mined = {"east": 0, "west": 1}
        for _ in range(500):
            east = self.height(0) - 2
            west = self.height(2) - 2
            if east + west >= want and east > west:
                break
            self.advance(self.draw_interval(sum(shares) / BLOCK_SPACING))
            who = self.draw_miner(shares)
            self.mine(who)
            self.same_tip([0, 1] if who < 2 else [2, 3])
            mined["east" if who < 2 else "west"] += 1
        east, west = self.height(0), self.height(2)
        self.out.write("    east chain: height %d; west chain: height %d\n" % (east, west))
        self.check(east > west, "the east's chain is longer (more work)", (east, west))
        self.fact("east_blocks", mined["east"])
        self.fact("west_blocks", mined["west"])

        self.step("The links come back")
        self.heal(bridges)
        tip = self.same_tip(range(4))
        self.check(tip == self.tip(0) and self.height(3) == east,
                   "the west reorganises onto the east's chain")
        stale = [t for t in self.node(2).rpc("getchaintips") if t["status"] == "valid-fork"]
        self.check(len(stale) == 1 and stale[0]["branchlen"] == mined["west"],
                   "the west's %d blocks are a stale branch now" % mined["west"],
                   [(t["height"], t["branchlen"]) for t in stale])
        self.check(self.balance(3, carol) == 0.0 and self.balance(3, self.miners[2]) == 0.0,
                   "Carol's 7 CB and west-1's rewards were only on the stale branch")
        self.wait(lambda: txid in self.node(3).rpc("getrawmempool"),
                  "the payment to return to the west's mempool")
        e = self.node(3).rpc("explain", txid)
        self.out.write("    explain on west-2: %s\n" % e["explanation"])
        self.check(e["status"] == "pending", "the payment is waiting again, not lost")
        self.wait(lambda: txid in self.node(0).rpc("getrawmempool"),
                  "the payment to reach the east")

        self.step("A block on the winning chain confirms it again")
        self.advance(self.draw_interval(sum(shares) / BLOCK_SPACING))
        self.mine(0)
        self.same_tip(range(4))
        self.check(self.balance(3, carol) == 7.0, "Carol has her 7 CB again, on the one chain")
        self.fact("final_height", self.height(0))


class Majority(Lesson):
    name = "51-percent"
    title = "A 51% attack: a private chain undoes a confirmed payment"
    about = """Mallory has 60% of the hash rate. She pays a merchant, and at the same
    time mines in secret a chain in which that money goes back to herself. The
    merchant waits for confirmations and hands over the goods; then Mallory
    releases her longer chain, every node reorganises onto it, and the payment
    the merchant saw confirmed is undone."""

    def run(self):
        names = ["honest-1", "honest-2", "merchant", "mallory"]
        self.start_net(4, [(1, 0), (2, 0), (2, 1), (3, 0), (3, 2)], names=names)
        shares = [1, 1, 0, 3]  # Mallory: 3 of 5, 60%
        mallory, merchant, mallory2 = self.key(), self.address(), self.address()
        self.advance(60)
        self.mine(3, 2, mallory["address"])
        self.same_tip(range(4))
        dark = self.links_of([3])

        self.step("Mallory pays the merchant 30 CB, and goes dark")
        self.cut(dark)
        self.wait(lambda: self.node(3).rpc("getconnectioncount") == 0,
                  "Mallory's node to be cut off")
        pay_raw = self.sign(mallory, merchant, "30", "0.0001", 0)
        pay = self.node(2).rpc("sendrawtransaction", pay_raw)
        back = self.node(3).rpc("sendrawtransaction",
                                self.sign(mallory, mallory2, "30", "0.0001", 0))
        self.say("""To the network she sends the payment to the merchant; to her own node
        only, one with the same nonce that pays the 30 CB to another address of
        hers. Her node mines on that one, and shows nobody its blocks.""")
        self.check(pay != back, "two payments, one nonce")

        self.step("The honest miners confirm the payment; Mallory mines in secret")
        need = 2 if self.short else 6
        honest_blocks = secret_blocks = 0
        shipped = False
        for _ in range(2000):
            conf = self.node(2).rpc("getrawtransaction", pay).get("confirmations", 0) \
                if honest_blocks else 0
            if conf >= need and not shipped:
                shipped = True
                self.out.write("    the payment has %d confirmations: the merchant ships\n"
                               % conf)
            if shipped and self.height(3) > self.height(0):
                break
            self.advance(self.draw_interval(sum(shares) / BLOCK_SPACING))
            who = self.draw_miner(shares)
            self.mine(who)
            if who == 3:
                secret_blocks += 1
            else:
                honest_blocks += 1
                self.same_tip([0, 1, 2])
        public, private = self.height(0), self.height(3)
        self.out.write("    public chain: height %d; Mallory's: height %d\n" % (public, private))
        self.check(shipped and private > public,
                   "Mallory's secret chain is longer than the public one", (public, private))
        self.check(self.balance(2, merchant) == 30.0, "the merchant sees his 30 CB")
        self.fact("honest_blocks", honest_blocks)
        self.fact("secret_blocks", secret_blocks)

        self.step("Mallory releases her chain")
        self.heal(dark)
        tip = self.same_tip(range(4))
        self.check(tip == self.tip(3), "every node reorganises onto Mallory's chain")
        self.check(self.balance(2, merchant) == 0.0 and self.balance(2, mallory2) == 30.0,
                   "the merchant's 30 CB are gone; they went back to Mallory")
        e = self.node(2).rpc("testmempoolaccept", [pay_raw])
        self.out.write("    the merchant's payment now: %s\n" % e[0]["message"])
        self.check(not e[0]["allowed"] and "nonce 0 is used already" in e[0]["message"],
                   "and it can never be confirmed: its nonce is spent on her own payment")
        self.say("""With most of the hash rate an attacker can always outrun the others in the
        end; confirmations only make it slower. Against a minority, each further
        confirmation makes it exponentially less likely (Bitcoin's paper, section
        11).""")
        self.fact("undone", honest_blocks)
