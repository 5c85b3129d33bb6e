#!/usr/bin/env python3
"""scripts/localnet.py as a teacher uses it: 100 nodes up and down five
times in a row, a node that cannot start, and down and status from the
data directories alone (no localnet.json, a killed node, a node that
does not answer). CB_BIN names the build; CB_LOCALNET_NODES the size
(default 100)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from framework import BIN, read_runfiles  # noqa: E402

LOCALNET = os.path.join(HERE, "..", "..", "scripts", "localnet.py")
NODES = int(os.environ.get("CB_LOCALNET_NODES", "100"))


def localnet(*args, timeout=600):
    env = dict(os.environ, CB_BIN=BIN)
    return subprocess.run([sys.executable, LOCALNET] + list(args), capture_output=True,
                          text=True, timeout=timeout, env=env)


def coinbitd_under(root):
    """Pids of live coinbitd processes whose data directory is under root
    (zombies have exited: only their parent has still to reap them)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and argv and argv[0].endswith(b"coinbitd") and any(
                a.startswith(b"-datadir=" + root.encode()) for a in argv):
            found.append(int(pid))
    return found


class LocalNetTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cb-localnet-test-")

    def tearDown(self):
        for pid in coinbitd_under(self.root):
            os.kill(pid, signal.SIGKILL)
        if not os.environ.get("CB_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def test_up_and_down_five_times(self):
        d = os.path.join(self.root, "net")
        for round_ in range(5):
            up = localnet("up", str(NODES), "--topology", "random", "--seed", str(round_ + 1),
                          "--dir", d, "--detach")
            self.assertEqual(up.returncode, 0, up.stderr + up.stdout)
            self.assertRegex(up.stdout, r"all %d nodes answer \([0-9.]+ s\) and all %d links "
                             r"are connected" % (NODES, NODES * 3 // 2))
            self.assertEqual(len(coinbitd_under(d)), NODES)
            st = localnet("status", "--dir", d)
            self.assertEqual(st.returncode, 0, st.stderr)
            self.assertIn("%d of %d nodes running and answering" % (NODES, NODES), st.stdout)
            # A second up on the same directory is refused, starts nothing.
            again = localnet("up", "3", "--dir", d, "--detach")
            self.assertEqual(again.returncode, 1)
            self.assertIn("already run in", again.stderr)
            self.assertEqual(len(coinbitd_under(d)), NODES)
            down = localnet("down", "--dir", d)
            self.assertEqual(down.returncode, 0, down.stderr)
            self.assertIn("stopped %d nodes cleanly" % NODES, down.stdout)
            self.assertNotIn("killed", down.stdout)
            self.assertEqual(coinbitd_under(d), [])
            for i in range(NODES):
                self.assertFalse(read_runfiles(os.path.join(d, "node%d" % i, "regtest"))
                                 ["running"])

    def test_a_node_that_cannot_start(self):
        d = os.path.join(self.root, "bad")
        # node 4's directory may be written by anyone: coinbitd refuses it.
        bad = os.path.join(d, "node4", "regtest")
        os.makedirs(bad)
        os.chmod(bad, 0o777)
        keep = os.path.join(d, "notes.txt")
        with open(keep, "w") as f:
            f.write("mine")
        up = localnet("up", "8", "--topology", "line", "--dir", d, "--detach")
        self.assertEqual(up.returncode, 1)
        self.assertIn("node 4 did not start: data directory", up.stderr)
        self.assertIn("can be written by others", up.stderr)
        self.assertIn("stopped the other 7 nodes", up.stderr)
        self.assertEqual(coinbitd_under(d), [])
        with open(keep) as f:
            self.assertEqual(f.read(), "mine")
        self.assertTrue(os.path.isdir(os.path.join(d, "node0", "regtest")))
        # A topology no node can hold is refused before anything starts.
        up = localnet("up", "40", "--topology", "mesh", "--dir", os.path.join(self.root, "m"))
        self.assertEqual(up.returncode, 1)
        self.assertIn("at most 32", up.stderr)
        self.assertEqual(coinbitd_under(self.root), [])

    def test_down_and_status_from_the_directories(self):
        d = os.path.join(self.root, "dirs")
        up = localnet("up", "6", "--topology", "ring", "--dir", d, "--detach")
        self.assertEqual(up.returncode, 0, up.stderr)
        os.remove(os.path.join(d, "localnet.json"))
        with open(os.path.join(d, "node1", "regtest", "coinbitd.pid")) as f:
            killed = int(f.read())
        os.kill(killed, signal.SIGKILL)
        with open(os.path.join(d, "node2", "regtest", "coinbitd.pid")) as f:
            frozen = int(f.read())
        for _ in range(100):
            if not read_runfiles(os.path.join(d, "node1", "regtest"))["running"]:
                break
            time.sleep(0.05)
        st = localnet("status", "--dir", d)
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertRegex(st.stdout, r"node1 +stopped \(killed")
        self.assertIn("5 of 6 nodes running and answering", st.stdout)
        # A node that answers nothing is killed when its time is up, and
        # down says so.
        os.kill(frozen, signal.SIGSTOP)
        try:
            down = localnet("down", "--dir", d, "--timeout", "3")
        finally:
            try:
                os.kill(frozen, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.assertEqual(down.returncode, 0, down.stderr)
        self.assertIn("stopped 4 nodes cleanly", down.stdout)
        self.assertIn("killed 1 that did not stop within 3 s: node2", down.stdout)
        self.assertEqual(coinbitd_under(d), [])
        down = localnet("down", "--dir", d)
        self.assertIn("no node is running", down.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
