#!/usr/bin/env python3
"""Every lesson of scripts/lesson.py in its short form, as a learner runs
it: each must end with its checks held; one seed must tell one story; a
lesson left up must serve its network until Ctrl-C; bad arguments are
refused."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
LESSON = os.path.join(HERE, "..", "..", "scripts", "lesson.py")
sys.path.insert(0, HERE)
from framework import BIN  # noqa: E402

NAMES = ["first-blocks", "fork", "partition", "double-spend", "51-percent", "selfish-mining",
         "hostile-peer", "retarget", "stale-rate"]


def run(*args, timeout=600):
    env = dict(os.environ, CB_BIN=BIN)
    return subprocess.run([sys.executable, LESSON] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env)


def story(out):
    lines = [ln for ln in out.splitlines() if ln.startswith("story: ")]
    return lines[-1] if lines else None


class LessonTest(unittest.TestCase):
    def lesson(self, name, *extra):
        p = run("run", name, "--short", "--stop", *extra)
        self.assertEqual(p.returncode, 0, "%s failed:\n%s\n%s" % (name, p.stdout[-4000:],
                                                                 p.stderr[-2000:]))
        self.assertIn("checks held", p.stdout)
        self.assertNotIn("did not come out", p.stdout)
        return p.stdout

    def test_list_names_every_lesson(self):
        p = run("list")
        self.assertEqual(p.returncode, 0)
        self.assertEqual([ln.split()[0] for ln in p.stdout.splitlines()], NAMES)

    def test_first_blocks(self):
        out = self.lesson("first-blocks")
        self.assertIn("accepted in block 2 with 1 confirmation", out)
        self.assertRegex(out, r"web view http://127\.0\.0\.1:\d+/")

    def test_fork(self):
        self.lesson("fork")

    def test_partition_tells_the_same_story_twice(self):
        a = story(self.lesson("partition", "--seed", "3"))
        b = story(self.lesson("partition", "--seed", "3"))
        self.assertIsNotNone(a)
        self.assertEqual(a, b)

    def test_double_spend(self):
        out = self.lesson("double-spend")
        self.assertIn("nonce 0 is used already", out)

    def test_51_percent(self):
        self.lesson("51-percent")

    def test_selfish_mining_same_seed_same_chain(self):
        a = story(self.lesson("selfish-mining", "--seed", "2"))
        b = story(self.lesson("selfish-mining", "--seed", "2"))
        self.assertEqual(a, b)
        self.assertRegex(a, r"pool_blocks=\d+")

    def test_hostile_peer(self):
        out = self.lesson("hostile-peer")
        self.assertIn("above the target", out)
        self.assertIn("bad-cb-amount", out)

    def test_retarget(self):
        out = self.lesson("retarget")
        self.assertIn("as the rule computes", out)

    def test_stale_rate_with_loss_and_bandwidth(self):
        out = self.lesson("stale-rate", "--latency", "60", "--loss", "0.02",
                          "--bandwidth", "4000")
        self.assertIn("60 ms each way, 2% of packets lost, 4000 kbit/s", out)
        self.assertRegex(out, r"mined \d+ blocks, the chain grew by \d+")

    def test_lessons_run_over_slow_links(self):
        for name in ("fork", "double-spend"):
            self.lesson(name, "--latency", "40")

    def test_network_stays_up_until_ctrl_c(self):
        env = dict(os.environ, CB_BIN=BIN)
        p = subprocess.Popen([sys.executable, LESSON, "run", "first-blocks", "--short"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        out = ""
        deadline = time.time() + 120
        while "Ctrl-C stops it" not in out and time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out += line
        self.assertIn("Ctrl-C stops it", out)
        ports = re.findall(r"web view http://127\.0\.0\.1:(\d+)/", out)
        self.assertEqual(len(ports), 2)
        for port in ports:  # the nodes serve after the lesson ended
            with urllib.request.urlopen("http://127.0.0.1:%s/api/overview" % port, timeout=10) as r:
                self.assertEqual(r.status, 200)
        root = re.search(r"status --dir (\S+)\)", out).group(1)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(60), 0)
        p.stdout.close()
        for port in ports:
            with self.assertRaises(OSError):
                urllib.request.urlopen("http://127.0.0.1:%s/api/overview" % port, timeout=5)
        shutil.rmtree(root, ignore_errors=True)

    def test_a_kill_mid_lesson_stops_its_nodes(self):
        env = dict(os.environ, CB_BIN=BIN)
        root = os.path.join(os.environ.get("TMPDIR", "/tmp"), "cb-lesson-kill-%d" % os.getpid())
        p = subprocess.Popen([sys.executable, LESSON, "run", "selfish-mining", "--dir", root],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        out = ""
        while "Step 1." not in out:
            line = p.stdout.readline()
            if not line:
                break
            out += line
        ports = re.findall(r"rpc port (\d+)", out)
        self.assertEqual(len(ports), 3)
        p.send_signal(signal.SIGTERM)
        rest = p.stdout.read()
        p.stdout.close()
        self.assertEqual(p.wait(60), 1)
        self.assertIn("Stopped.", rest)
        left = subprocess.run(["pgrep", "-f", "coinbitd.*" + root], capture_output=True, text=True)
        self.assertEqual(left.stdout.strip(), "", "nodes left running")
        shutil.rmtree(root, ignore_errors=True)

    def test_bad_arguments(self):
        self.assertEqual(run("run", "no-such-lesson").returncode, 2)
        for bad in (["--loss", "1"], ["--latency", "-3"], ["--bandwidth", "-1"]):
            p = run("run", "fork", *bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn(">= 0", p.stderr)


if __name__ == "__main__":
    unittest.main()
