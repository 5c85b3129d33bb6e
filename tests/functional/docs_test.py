#!/usr/bin/env python3
"""What is installed beside the programs says what they do: every option
of coinbitd -help is in its manual page and in the example coinbit.conf
(and nothing else is), every RPC method is in coinbit-cli(1), every
program answers -help and -version, and bash completion offers the
options and the running node's methods. CB_BIN names the build (its
packaging/ folder holds the generated files)."""
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from framework import BIN, Node  # noqa: E402

GEN = os.path.join(BIN, "packaging")
COMPLETION = os.path.join(GEN, "coinbit.bash")


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60)


def help_options(prog):
    out = run(os.path.join(BIN, prog), "-help")
    assert out.returncode == 0, out.stderr
    return re.findall(r"^  -([a-z]+)", out.stdout, re.M)


def man_text(prog):
    with open(os.path.join(GEN, prog + ".1")) as f:
        return f.read()


def complete(line, env_path):
    """COMPREPLY for a command line typed up to its end, through the
    completion file as bash runs it."""
    script = ('source "%s"; COMP_LINE=%s; COMP_POINT=${#COMP_LINE}; '
              'read -r -a COMP_WORDS <<<"$COMP_LINE"; cmd=${COMP_WORDS[0]}; '
              'fn=$(complete -p "$cmd" | sed -n "s/.*-F \\([^ ]*\\) .*/\\1/p"); '
              '"$fn" "$cmd"; printf "%%s\\n" "${COMPREPLY[@]}"'
              % (COMPLETION, "'" + line + "'"))
    env = dict(os.environ, PATH=env_path + os.pathsep + os.environ["PATH"])
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return [w for w in out.stdout.splitlines() if w]


class DocsTest(unittest.TestCase):
    def test_every_option_in_the_manual_and_the_example(self):
        opts = help_options("coinbitd")
        self.assertIn("rpccookieperms", opts)
        man = man_text("coinbitd")
        with open(os.path.join(GEN, "coinbit.conf")) as f:
            conf = f.read()
        in_conf = set(re.findall(r"^#([a-z]+)=", conf, re.M))
        for o in opts:
            self.assertIn("\\-" + o, man, o)
            if o not in ("conf", "help", "version"):
                self.assertIn(o, in_conf, o)
        self.assertEqual(in_conf - set(opts), set())
        # The menu takes the node's options and lists them all too.
        self.assertTrue(set(opts) <= set(help_options("coinbit")))
        for prog in ("coinbit-cli", "coinbit", "coinbit-tool"):
            man = man_text(prog)
            for o in help_options(prog):
                self.assertIn("\\-" + o, man, (prog, o))

    def test_every_method_in_the_cli_manual(self):
        with open(os.path.join(GEN, "rpc-methods")) as f:
            methods = f.read().split()
        self.assertIn("getblockchaininfo", methods)
        man = man_text("coinbit-cli")
        for m in methods:
            self.assertIn(".B " + m, man, m)

    def test_version_and_help(self):
        for prog in ("coinbitd", "coinbit-cli", "coinbit", "coinbit-tool"):
            out = run(os.path.join(BIN, prog), "-version")
            self.assertEqual(out.returncode, 0, prog)
            self.assertRegex(out.stdout, r"^%s \(CoinBit\) \d+\.\d+\.\d+\n$" % prog)
            self.assertIn("Usage: " + prog, run(os.path.join(BIN, prog), "-help").stdout)
            self.assertIn(re.search(r"\d+\.\d+\.\d+", out.stdout).group(0), man_text(prog))

    def test_completion(self):
        self.assertEqual(complete("coinbitd -rpcc", BIN), ["-rpccookieperms="])
        self.assertEqual(complete("coinbitd -rpccookieperms=g", BIN), ["group"])
        self.assertIn("-regtest", complete("coinbit-cli -re", BIN))
        n = Node(os.path.join(os.environ.get("TMPDIR", "/tmp"), "cb-docs-%d" % os.getpid()),
                 extra=["-connect=0"])
        n.start()
        try:
            base = "coinbit-cli -regtest -datadir=%s -rpcport=%d " % (n.datadir, n.port)
            got = complete(base + "getb", BIN)
            methods = [ln.split()[0] for ln in n.rpc("help").splitlines()
                       if ln and not ln.startswith(" ")]
            self.assertEqual(sorted(got), sorted(m for m in methods if m.startswith("getb")))
            self.assertIn("getblockcount", got)
            self.assertEqual(complete(base + "help getblockcou", BIN), ["getblockcount"])
            self.assertEqual(complete(base + "getblock ", BIN), [])  # arguments: none offered
        finally:
            n.stop()
            subprocess.run(["rm", "-rf", n.datadir])


if __name__ == "__main__":
    unittest.main(verbosity=2)
