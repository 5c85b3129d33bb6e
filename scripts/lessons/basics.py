"""The first lessons: blocks and a payment, a fork, and a double spend."""
from story import Lesson, cb


class FirstBlocks(Lesson):
    name = "first-blocks"
    title = "First blocks: mining, a payment, and its confirmation"
    about = """Two nodes, Alice's and Bob's. Alice's node mines the first block and earns
    its reward; Alice pays Bob; Bob's node mines the block that confirms it.
    Each node checks everything it is sent, and says why when it refuses."""

    def run(self):
        self.start_net(2, [(1, 0)], names=["alice", "bob"])
        alice, bob = self.key(), self.key()

        self.step("Alice's node mines a block")
        self.advance(60)
        h1 = self.mine(0, 1, alice["address"])[0]
        self.say("""A block is a header and payments. Mining is trying nonces until the
        header's double SHA-256 falls below the target; the first payment of a
        block, the coinbase, pays its miner the reward (20 CB here).""")
        header = self.node(0).rpc("getblockheader", h1)
        self.out.write("    block 1: %s (nonce %d, bits %s)\n" % (h1, header["nonce"],
                                                                  header["bits"]))
        self.wait(lambda: self.in_chain(1, h1), "Bob's node to receive block 1")
        self.check(self.balance(1, alice["address"]) == 20.0,
                   "Bob's node, checking the block itself, credits Alice 20 CB")
        self.fact("reward", cb(20 * 100_000_000))

        self.step("Alice pays Bob 5 CB")
        self.advance(10)
        raw = self.sign(alice, bob["address"], "5", "0.0001", 0)
        txid = self.node(0).rpc("sendrawtransaction", raw)
        self.say("""A payment names its sender's public key, the recipient, amount, fee and
        a nonce (the count of the sender's earlier payments), and is signed by the
        sender's key. Alice's node checks it and passes it to Bob's.""")
        self.wait(lambda: txid in self.node(1).rpc("getrawmempool"),
                  "the payment to reach Bob's node")
        e = self.node(1).rpc("explain", txid)
        self.out.write("    explain on Bob's node: %s\n" % e["explanation"])
        self.check(e["status"] == "pending", "Bob's node holds it, waiting for a block")

        self.step("Bob's node mines the block that confirms it")
        self.advance(50)
        h2 = self.mine(1, 1, bob["address"])[0]
        self.same_tip([0, 1])
        e = self.node(0).rpc("explain", txid)
        self.out.write("    explain on Alice's node: %s\n" % e["explanation"])
        self.check(e["status"] == "confirmed" and "block 2" in e["explanation"],
                   "the payment is in block 2")
        got = self.balance(0, bob["address"])
        self.check(abs(got - 25.0001) < 1e-9,
                   "Bob has 5 CB from Alice plus 20 CB and the 0.0001 CB fee as miner", got)
        left = self.balance(0, alice["address"])
        self.check(abs(left - 14.9999) < 1e-9, "Alice has 20 - 5 - 0.0001 = 14.9999 CB", left)
        self.fact("tip", self.height(0))
        self.fact("block2_miner", "bob" if self.miner_of(0, h2) == bob["address"] else "?")

        self.step("The same payment again is refused, and the node says why")
        try:
            self.node(0).rpc("sendrawtransaction", raw)
            self.check(False, "a payment sent twice is refused")
        except Exception as err:  # the node's RpcError: its message is the reason
            self.out.write("    %s\n" % err)
            self.check("nonce 0 is used already" in str(err),
                       "refused: its nonce is used already")
        rej = self.node(0).rpc("getrejections")
        self.check(any(r["id"] == txid for r in rej),
                   "getrejections lists the refusal with its reason")


class Fork(Lesson):
    name = "fork"
    title = "A fork: two miners find a block at once"
    about = """Two miners find a block at the same height before either hears of the
    other's. For a while the network disagrees; each node keeps the block it saw
    first. The next block settles it: every node moves to the branch with the
    most work, and the other block goes stale, its reward with it."""

    def run(self):
        self.start_net(3, [(1, 0), (2, 0), (2, 1)], names=["miner-a", "miner-b", "watcher"])
        self.advance(60)
        base = self.mine(0, 1)[0]
        self.same_tip([0, 1, 2])
        everything = list(self.net.relay_link.values())

        self.step("Both miners find block 2 at once")
        self.hold(everything)
        self.say("""The links are held, as if each block were still on its way: A's block
        reaches the watcher first, then B's.""")
        self.advance(60)
        a = self.mine(0)[0]
        b = self.mine(1)[0]
        self.release([self.link(0, 2)])
        self.wait(lambda: self.in_chain(2, a), "the watcher to take A's block")
        self.release(everything)
        self.wait(lambda: self.has_block(2, b) and self.has_block(0, b) and self.has_block(1, a),
                  "every node to have both blocks")
        tips = [self.tip(i) for i in range(3)]
        self.out.write("    tips: miner-a %s.., miner-b %s.., watcher %s..\n"
                       % tuple(t[:12] for t in tips))
        self.check(tips == [a, b, a], "each node keeps the block it saw first")
        forks = [t for t in self.node(2).rpc("getchaintips") if t["height"] == 2]
        self.check(len(forks) == 2, "the watcher knows two tips at height 2",
                   [(t["hash"][:12], t["status"]) for t in forks])
        self.fact("tie", "a-b")

        self.step("The next block decides")
        winner = self.draw_miner([1, 1])
        self.say("""Whoever finds block 3 builds on the block it has. This time it is
        miner-%s.""" % "ab"[winner])
        self.advance(60)
        c = self.mine(winner)[0]
        tip = self.same_tip([0, 1, 2])
        self.check(tip == c, "all three nodes move to block 3")
        won, lost = (a, b) if winner == 0 else (b, a)
        self.check(self.node(2).rpc("getblockhash", 2) == won,
                   "block 2 of the active chain is miner-%s's" % "ab"[winner])
        loser = 1 - winner
        stale = {t["hash"]: t["status"] for t in self.node(loser).rpc("getchaintips")}
        self.check(stale.get(lost) == "valid-fork",
                   "on miner-%s's node its block 2 is stale: valid, but off the active chain"
                   % "ab"[loser], stale.get(lost))
        seen = {t["hash"]: t["status"] for t in self.node(2).rpc("getchaintips")}
        if lost == a:
            self.check(seen.get(lost) == "valid-fork",
                       "the watcher, which had taken A's block first, moved off it", seen.get(lost))
        else:
            self.check(seen.get(lost) == "headers-only",
                       "the watcher never fetched B's block: a block of no more work than its "
                       "tip is only a header to it", seen.get(lost))
        got = self.balance(loser, self.miners[loser])
        self.check(got == (20.0 if loser == 0 else 0.0),
                   "miner-%s's reward for it is gone (it keeps only block 1's, if it had one)"
                   % "ab"[loser], got)
        self.fact("winner", "ab"[winner])
        self.fact("base", self.node(0).rpc("getblockheader", base)["height"])


class DoubleSpend(Lesson):
    name = "double-spend"
    title = "A double spend: two payments with one nonce, sent at once"
    about = """Mallory signs two payments of her 10 CB with the same nonce, one to each
    shop, and hands them to two nodes at the same moment. Each node takes the
    first it sees and refuses the other, saying why; the next block confirms one,
    and the other can never be confirmed."""

    def run(self):
        self.start_net(3, [(1, 0), (2, 1), (2, 0)], names=["shop-a", "miner", "shop-b"])
        mallory, shop_a, shop_b = self.key(), self.address(), self.address()
        self.advance(60)
        self.mine(1, 1, mallory["address"])
        self.same_tip([0, 1, 2])

        self.step("Mallory sends one payment to each shop's node, at once")
        pay_a = self.sign(mallory, shop_a, "10", "0.0001", 0)
        pay_b = self.sign(mallory, shop_b, "10", "0.0001", 0)
        everything = list(self.net.relay_link.values())
        self.hold(everything)
        ta = self.node(0).rpc("sendrawtransaction", pay_a)
        tb = self.node(2).rpc("sendrawtransaction", pay_b)
        self.check(ta in self.node(0).rpc("getrawmempool") and
                   tb in self.node(2).rpc("getrawmempool"),
                   "each shop's node accepts the payment it got: it knows no other yet")
        self.say("""Now the news travels: the miner hears of shop A's payment first.""")
        self.release([self.link(0, 1)])
        self.wait(lambda: ta in self.node(1).rpc("getrawmempool"),
                  "the miner to get shop A's payment")
        self.release(everything)
        self.wait(lambda: any(r["id"] == tb for r in self.node(1).rpc("getrejections")) and
                  any(r["id"] == ta for r in self.node(2).rpc("getrejections")),
                  "each node to hear of the other payment")
        why = [r for r in self.node(2).rpc("getrejections") if r["id"] == ta][0]
        self.out.write("    shop B's node on shop A's payment: %s: %s\n"
                       % (why["reason"], why["message"]))
        self.check("replaces" in why["message"],
                   "shop B's node refuses it: it would replace the one it holds, at no higher fee")
        self.fact("first_at_miner", "a")

        self.step("The miner confirms the payment it saw first")
        self.advance(60)
        self.mine(1)
        self.same_tip([0, 1, 2])
        self.check(self.balance(2, shop_a) == 10.0 and self.balance(2, shop_b) == 0.0,
                   "shop A is paid; shop B, which saw its payment at once, is not")
        self.wait(lambda: tb not in self.node(2).rpc("getrawmempool"),
                  "shop B's node to drop its payment")
        e = self.node(2).rpc("testmempoolaccept", [pay_b])[0]
        self.out.write("    shop B's payment now: %s\n" % e["message"])
        self.check(not e["allowed"] and "nonce 0 is used already" in e["message"],
                   "shop B's payment can never be confirmed: its nonce is spent")
        self.say("""A payment only seen in a mempool is a promise; shop B should have waited
        for a confirmation.""")
        self.fact("paid", "shop-a")
