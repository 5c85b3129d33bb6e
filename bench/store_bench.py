#!/usr/bin/env python3
"""Block connection into each store engine, for the same chain:

    bench/store_bench.py [FULL_BLOCKS]     (default 20 blocks of 6,500 payments)

Runs bench_verify N on SQLite (a temporary file) and on a private MariaDB
server (started and removed here), and prints transactions per second."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
from mariadb import PrivateMariaDB  # noqa: E402

BIN = os.environ.get("CB_BIN", os.path.join(HERE, "..", "build"))


def run(args):
    out = subprocess.run([os.path.join(BIN, "bench", "bench_verify")] + args,
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines()
            if "tx/s" in line or "full blocks" in line or "same run" in line]


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "20"
    print("SQLite:")
    for line in run([n]):
        print("  " + line.strip())
    server = PrivateMariaDB().start()
    try:
        print("MySQL (MariaDB %s, InnoDB, private server on a unix socket):"
              % server.sql("SELECT VERSION()").strip())
        for line in run([n, server.uri("coinbit_bench")]):
            print("  " + line.strip())
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
