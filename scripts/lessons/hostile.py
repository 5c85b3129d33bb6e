"""A hostile peer: malformed and invalid messages, the bans they earn, and
honest nodes that keep going."""
import os

import wire
from story import Lesson


def headers_msg(headers):
    return wire.compact(len(headers)) + b"".join(h + b"\0" for h in headers)


class HostilePeer(Lesson):
    name = "hostile-peer"
    title = "A hostile peer: lies cost it a ban, and the honest nodes keep going"
    about = """A peer connects to one of three honest nodes and lies to it in several
    ways: junk instead of messages, a header without proof of work, a block that
    pays its miner more than the rules allow, a payment whose signature is not
    the sender's. The node checks each, refuses it, says why, and bans the
    address it came from. The honest nodes never stop serving each other. Each
    lie comes from its own loopback address (127.0.0.x), as from its own
    machine."""

    def run(self):
        self.start_net(3, [(1, 0), (2, 1), (2, 0)], names=["miner", "victim", "other"])
        alice, bob = self.key(), self.address()
        self.advance(60)
        self.mine(0, 2, alice["address"])
        self.same_tip(range(3))
        victim = self.node(1)
        sources = iter(range(66, 120))

        def attacker():
            src = "127.0.0.%d" % next(sources)
            p = wire.Peer(victim.p2p_port, source=src)
            p.handshake(self.height(1))
            return p, src

        def banned():
            return {b["address"]: b for b in victim.rpc("listbanned")}

        def refusal(kind, src):
            """The victim's newest refusal of that kind from src."""
            for r in victim.rpc("getrejections"):
                if r["kind"] == kind and ("peer %s:" % src) in r["message"]:
                    return r
            return None

        self.step("Junk where a message should be")
        p, src = attacker()
        p.send_raw(os.urandom(64))
        self.check(p.closed(), "the victim hangs up: a message must start with the network's "
                   "4 magic bytes")
        p.close()
        r = self.wait(lambda: refusal("message", src), "the refusal to be kept")
        self.out.write("    getrejections: %s: %s\n" % (r["reason"], r["message"]))
        self.check(r["reason"] == "bad-magic", "the refusal is kept, with the bytes it saw")

        self.step("A header without proof of work")
        tip = self.tip(1)
        t = victim.rpc("getblockheader", tip)["time"] + 1
        raw, h = wire.make_block(tip, self.height(1) + 1, t, valid_pow=False)
        p, src = attacker()
        p.send("headers", headers_msg([raw[:80]]))
        self.check(p.closed(), "the victim hangs up on it")
        p.close()
        self.wait(lambda: src in banned(), "the ban of %s" % src, 10)
        r = self.wait(lambda: refusal("header", src), "the refusal to be kept")
        self.out.write("    getrejections: %s: %s\n" % (r["reason"], r["message"]))
        self.check(r["reason"] == "high-hash" and "above the target" in r["message"],
                   "the refusal says its hash is above the target")
        self.check(not self.has_block(1, h), "and keeps nothing of the header")

        self.step("A block that pays its miner 1,000 CB (the reward is 20)")
        raw, h = wire.make_block(tip, self.height(1) + 1, t, amount=1000 * 100_000_000)
        p, src = attacker()
        p.send("headers", headers_msg([raw[:80]]))
        self.check(p.wait_for("getdata") is not None,
                   "its header is fine, so the victim asks for the block")
        p.send("block", raw)
        self.check(p.closed(), "then checks the block, refuses it, and hangs up")
        p.close()
        rej = self.wait(lambda: [r for r in victim.rpc("getrejections") if r["id"] == h],
                        "the refusal to be kept")[0]
        self.out.write("    getrejections: %s: %s\n" % (rej["reason"], rej["message"]))
        self.check(rej["kind"] == "block", "the refusal is kept with its reason")
        self.wait(lambda: src in banned(), "the ban of %s" % src, 10)
        self.check(self.tip(1) == tip, "the victim's tip has not moved")
        e = victim.rpc("explain", h)
        self.out.write("    explain: %s\n" % e["explanation"])

        self.step("A payment whose signature is not the sender's")
        good = bytes.fromhex(self.sign(alice, bob, "1", "0.0001", 0))
        forged = bytearray(good)
        forged[-10] ^= 0x55  # inside the signature
        p, src = attacker()
        p.send("tx", bytes(forged))
        self.check(p.closed(), "the victim refuses it and hangs up")
        p.close()
        txid = wire.sha256d(bytes(forged))[::-1].hex()
        self.wait(lambda: src in banned(), "the ban of %s" % src, 10)
        self.check(txid not in victim.rpc("getrawmempool"), "the forgery never enters the mempool")
        r = [x for x in victim.rpc("getrejections") if x["id"] == txid]
        self.check(r and r[0]["reason"] == "bad-txns-sig", "its refusal is kept: bad-txns-sig",
                   r)

        self.step("The banned come back; the honest nodes go on")
        bans = banned()
        for addr, b in sorted(bans.items()):
            self.out.write("    banned %-12s %s\n" % (addr, b["ban_reason"]))
        self.check(len(bans) == 4 and "127.0.0.1" not in bans,
                   "four liars banned, no honest node", sorted(bans))
        kept = {r["message"].split()[1].rstrip(":").rsplit(":", 1)[0]
                for r in victim.rpc("getrejections") if r["message"].startswith("peer ")}
        self.check(set(bans) <= kept, "every liar is named among the refusals", sorted(kept))
        q = wire.Peer(victim.p2p_port, source=sorted(bans)[0])
        self.check(q.closed(timeout=5), "a banned address that connects again is dropped at once")
        q.close()
        self.advance(60)
        txid = self.node(2).rpc("sendrawtransaction", self.sign(alice, bob, "1", "0.0001", 0))
        self.wait(lambda: txid in self.node(0).rpc("getrawmempool"), "the payment to reach the miner")
        self.mine(0, 2)
        self.same_tip(range(3))
        self.check(self.balance(1, bob) == 1.0,
                   "the honest payment is confirmed on every node, the victim's too")
        self.fact("bans", len(bans))
        self.fact("height", self.height(1))
