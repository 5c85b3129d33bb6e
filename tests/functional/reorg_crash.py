"""kill -9 during reorganisations, then a restart: the store must read as
the chain the node runs, as a replay of that chain from genesis would
write it (active marks and heights, undo rows, confirmed payments, wallet
rows, recorded tip). Shared by the SQLite test (node_test.py) and the
MySQL one (mysql_test.py): each passes a function that runs one SQL query
on the node's store and returns its rows as tuples of strings."""
import random
import threading
import time

import wire
from framework import RpcError, replay, tool

QUERIES = {
    "active": "SELECT lower(hex(hash)), height FROM blockchain WHERE active = 1",
    "undo": "SELECT lower(hex(block_hash)) FROM `undo`",
    "confirmed": "SELECT lower(hex(txid)), lower(hex(block_hash)), height FROM transactions"
                 " WHERE status = 'confirmed'",
    "wallet": "SELECT address, balance, nonce FROM wallet",
    "tip": "SELECT value FROM meta WHERE `key` IN ('tip_hash', 'tip_height') ORDER BY `key`",
}


def internal(display_hex):
    """A hash as the tables hold it (internal byte order)."""
    return bytes.fromhex(display_hex)[::-1].hex()


def store_view(rows):
    """What the tables say, in the shapes chain_view gives."""
    out = {}
    out["active"] = sorted((h, int(n)) for h, n in rows(QUERIES["active"]))
    out["undo"] = sorted(r[0] for r in rows(QUERIES["undo"]))
    out["confirmed"] = sorted((t, b, int(n)) for t, b, n in rows(QUERIES["confirmed"]))
    out["wallet"] = sorted((a, int(b), int(n)) for a, b, n in rows(QUERIES["wallet"]))
    out["tip"] = [r[0] for r in rows(QUERIES["tip"])]
    return out


def chain_view(node):
    """What a replay of the node's active chain from genesis writes."""
    out = {"active": [], "undo": [], "confirmed": []}
    tip = node.rpc("getblockcount")
    for h in range(tip + 1):
        bh = node.rpc("getblockhash", h)
        out["active"].append((internal(bh), h))
        out["undo"].append(internal(bh))  # genesis too: the store connects it
        for tx in node.rpc("getblock", bh, 1)["tx"]:
            out["confirmed"].append((internal(tx), internal(bh), h))
    out["wallet"] = sorted((a, b, n) for a, (b, n) in replay(node).items())
    out["active"].sort()
    out["undo"].sort()
    out["confirmed"].sort()
    best = node.rpc("getbestblockhash")
    out["tip"] = [best, str(tip)]
    return out


def crash_loop(test, node, rows, rounds, seed):
    """rounds times: a branch X of depth d (1 to 20) with payments mined on
    node, a heavier branch Y of d+1 blocks from the same fork submitted,
    and node killed at a random moment of the switch; then restarted and
    its store compared with a replay. Returns the depths and how many
    restarts found the store to walk (reorganisations cut short)."""
    rng = random.Random(seed)
    key = {}
    for line in tool("newkey").splitlines():
        k, v = line.split(":", 1)
        key[k.split()[0]] = v.strip()
    node.rpc("generatetoaddress", 5, key["address"])
    to = tool("newkey").splitlines()[0].split()[-1]
    depths, walked = [], 0
    for r in range(rounds):
        d = 20 if r == 0 else 1 if r == 1 else rng.randint(1, 20)
        depths.append(d)
        fork = node.rpc("getbestblockhash")
        fork_h = node.rpc("getblockheader", fork)
        # X: d blocks, each with a payment (so undo data and payment
        # status are at stake).
        for i in range(d):
            acct = node.rpc("getaccount", key["address"])
            nonce = acct["nonce"] + acct["pending"]
            node.rpc("sendrawtransaction", tool("signtx", key["private"], to, "0.01", "0.0001",
                                                str(nonce)).strip())
            node.rpc("generatetoaddress", 1, key["address"])
        # Y: d + 1 coinbase-only blocks on the fork, made here.
        ys, prev, t = [], fork, fork_h["time"]
        for i in range(d + 1):
            height = fork_h["height"] + 1 + i
            t += 1
            raw, h = wire.make_block(prev, height, t, amount=wire.subsidy(height),
                                     tag=b"y%d-%d" % (r, i))
            ys.append(raw.hex())
            prev = h
        for raw in ys[:-1]:
            test.assertIsNone(node.rpc("submitblock", raw))

        def last():
            try:
                node.rpc("submitblock", ys[-1])
            except (OSError, RpcError):
                pass  # killed under it
        th = threading.Thread(target=last)
        th.start()
        time.sleep(rng.uniform(0, 0.08))
        node.kill()
        th.join(30)
        node.start()
        with open(node.errlog, errors="replace") as f:
            f.seek(node.errlog_from)
            log = f.read()
        if "disconnected in it" in log:
            walked += 1
        got, want = store_view(rows), chain_view(node)
        for part in ("tip", "active", "undo", "confirmed", "wallet"):
            extra = sorted(set(got[part]) - set(want[part]))[:5]
            missing = sorted(set(want[part]) - set(got[part]))[:5]
            test.assertEqual(got[part], want[part], "round %d (depth %d): the store's %s is not "
                             "the chain's: it has %s too many and lacks %s"
                             % (r, d, part, extra, missing))
    return depths, walked
