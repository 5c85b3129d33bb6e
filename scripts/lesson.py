#!/usr/bin/env python3
"""Lessons on a live CoinBit network, one command each.

    scripts/lesson.py list
    scripts/lesson.py run fork
    scripts/lesson.py run partition --seed 7 --stop
    scripts/lesson.py run stale-rate --latency 200 --loss 0.01 --bandwidth 2000

Each lesson starts its own nodes on this machine, tells what happens in
plain words while it makes it happen, waits for what it expects and
checks it (a check that does not hold ends the lesson with exit status 1,
so every lesson is a test too), and prints each node's web view address.
Afterwards the network stays up to explore until Ctrl-C, unless --stop.

The same seed tells the same story: the nodes' clocks are the lesson's,
and who mines when is drawn from the seed. --latency, --loss and
--bandwidth slow every link between nodes (they run through a relay in
this process; see tests/functional/relay.py). --short is the quick form
CI runs. Python 3 standard library only; the nodes are those of the build
folder (CB_BIN, default build/).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lessons"))
from story import run_lesson  # noqa: E402
import basics  # noqa: E402
import splits  # noqa: E402
import selfish  # noqa: E402
import hostile  # noqa: E402
import retarget  # noqa: E402
import stale  # noqa: E402

LESSONS = [basics.FirstBlocks, basics.Fork, splits.Partition, basics.DoubleSpend,
           splits.Majority, selfish.SelfishMining, hostile.HostilePeer, retarget.Retarget,
           stale.StaleRate]


def find(name):
    for cls in LESSONS:
        if cls.name == name:
            return cls
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="lesson.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="the lessons, in the order to take them")
    run = sub.add_parser("run", help="run one lesson")
    run.add_argument("name")
    run.add_argument("--seed", type=int, default=1, help="the story's seed (default 1)")
    run.add_argument("--stop", action="store_true", help="stop the network at the end")
    run.add_argument("--short", action="store_true", help="the quick form (CI runs it)")
    run.add_argument("--dir", help="where the nodes keep their files (default: a new one in /tmp)")
    run.add_argument("--latency", type=float, default=0, metavar="MS",
                     help="one-way delay on every link, in milliseconds")
    run.add_argument("--loss", type=float, default=0, metavar="P",
                     help="chance that a packet is lost (TCP sends it again: it arrives late)")
    run.add_argument("--bandwidth", type=float, default=0, metavar="KBIT",
                     help="each link's speed each way, in kbit/s")
    run.add_argument("--pace", type=float, default=0, metavar="S",
                     help="pause S seconds between steps, to watch the web view")
    a = ap.parse_args(argv)
    if a.cmd == "list":
        width = max(len(c.name) for c in LESSONS)
        for c in LESSONS:
            print("%-*s  %s" % (width, c.name, c.title))
        return 0
    cls = find(a.name)
    if not cls:
        print("no lesson %r; scripts/lesson.py list shows them" % a.name, file=sys.stderr)
        return 2
    if a.latency < 0 or not 0 <= a.loss < 1 or a.bandwidth < 0 or a.pace < 0:
        print("--latency, --bandwidth and --pace are >= 0, --loss is from 0 to below 1",
              file=sys.stderr)
        return 2
    if not os.path.exists(os.path.join(os.environ.get("CB_BIN", os.path.join(HERE, "..",
                                                                              "build")),
                                       "coinbitd")):
        print("no coinbitd in the build folder: build first (see README.md)", file=sys.stderr)
        return 2
    lesson = cls(seed=a.seed, short=a.short, root=a.dir, latency_ms=a.latency, loss=a.loss,
                 bandwidth_kbit=a.bandwidth, pace=a.pace)
    return run_lesson(lesson, a.stop)


if __name__ == "__main__":
    sys.exit(main())
