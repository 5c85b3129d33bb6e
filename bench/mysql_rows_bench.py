#!/usr/bin/env python3
"""What each key of the MySQL `transactions` table costs the server:

    bench/mysql_rows_bench.py [--rows 200000] [--rounds 2]

A private MariaDB server (started and removed here) gets the store's own
schema (bench/make_chain opens a store on it), then copies of the
`transactions` table: as the store lays it out, and without one key or
another. Each copy takes the same confirmed payments (make_chain's shape:
256 payers, each paying the next; 100 to a block, 20 blocks a commit) as
multi-row INSERTs, and the server's processor seconds for them are read
from /proc. Rounds alternate the copies (this machine's speed drifts), and
each figure is printed beside its ratio to the table as stored in the same
run. The node writes the same rows through bound arrays, not SQL text, so
the absolute figures are higher here than in a sync; the ratios say what a
key costs."""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
from mariadb import PrivateMariaDB, tool  # noqa: E402

BIN = os.environ.get("CB_BIN", os.path.join(HERE, "..", "build"))
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# (name, ALTERs made on the copy)
VARIANTS = [
    ("as stored", []),
    ("without KEY(sender), KEY(recipient)", ["DROP INDEX sender", "DROP INDEX recipient"]),
    ("without KEY(block_hash)", ["DROP INDEX block_hash"]),
    ("without the open_txid key", ["DROP INDEX transactions_open"]),
    ("with no secondary key", ["DROP INDEX sender", "DROP INDEX recipient",
                               "DROP INDEX block_hash", "DROP INDEX transactions_open"]),
]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def payments_sql(path, table, rows):
    """Writes the INSERTs for `rows` confirmed payments into `table`."""
    rnd = random.Random(1)
    payers = ["1" + "".join(rnd.choice(B58) for _ in range(33)) for _ in range(256)]

    def hexbytes(n):
        return "0x" + rnd.getrandbits(8 * n).to_bytes(n, "big").hex()

    with open(path, "w") as out:
        out.write("SET autocommit = 0;\n")
        for block in range(rows // 100):
            block_hash = hexbytes(32)
            values = []
            for pos in range(100):
                k = (block * 100 + pos) % 256
                values.append("(%s,'%s','%s',1000,1000,%d,%d,%s,'confirmed',%s,%d,%d,%s)" % (
                    hexbytes(32), payers[k], payers[(k + 1) % 256], block, 1795392000 + block,
                    hexbytes(64), block_hash, block, pos, hexbytes(153)))
            out.write("INSERT INTO %s (txid, sender, recipient, amount, fee, nonce, time,"
                      " signature, status, block_hash, height, position, raw) VALUES %s;\n"
                      % (table, ",".join(values)))
            if block % 20 == 19:
                out.write("COMMIT;\n")
        out.write("COMMIT;\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    server = PrivateMariaDB().start()
    work = tempfile.mkdtemp(prefix="cb-rows-")
    try:
        db = "coinbit_rows"
        subprocess.run([os.path.join(BIN, "bench", "make_chain"), server.uri(db), "257", "0"],
                       check=True, capture_output=True)
        print("Server processor seconds for %d payments into `transactions`, MariaDB %s"
              % (a.rows, server.sql("SELECT VERSION()").strip()))
        sql = os.path.join(work, "rows.sql")
        payments_sql(sql, "rows_copy", a.rows)
        client = [tool("mariadb"), "--no-defaults", "-uroot", "--socket=" + server.socket, db]
        seconds = {name: [] for name, _ in VARIANTS}
        for _ in range(a.rounds):
            for name, alters in VARIANTS:
                server.sql("DROP TABLE IF EXISTS rows_copy; CREATE TABLE rows_copy LIKE transactions"
                           + "".join("; ALTER TABLE rows_copy " + s for s in alters), db)
                before = cpu_seconds(server.proc.pid)
                with open(sql) as f:
                    subprocess.run(client, stdin=f, check=True)
                time.sleep(1)  # what the server does just after the last commit
                seconds[name].append(cpu_seconds(server.proc.pid) - before)
                server.sql("DROP TABLE rows_copy", db)
        base = statistics.median(seconds["as stored"])
        for name, _ in VARIANTS:
            s = statistics.median(seconds[name])
            print("  %-40s %6.2f s  %5.2f us a payment  %4.0f%% of the table as stored"
                  % (name, s, s / a.rows * 1e6, 100 * s / base))
    finally:
        server.cleanup()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
