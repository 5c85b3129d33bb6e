#!/usr/bin/env python3
"""coinbit-tool driven as a user would: real process, real files, good and
bad input, checking what it prints and its exit code."""
import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = os.environ.get("CB_TOOL", "coinbit-tool")
TESTDATA = os.environ.get("CB_TESTDATA_DIR", "")


def run(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class ToolTest(unittest.TestCase):
    def test_info_each_network(self):
        rc, out, _ = run("info")
        self.assertEqual(rc, 0)
        self.assertIn("0000a6264c0eb1fb24d8f1ad62c07fc12ca4c1e173ba3eec025e42636f97e32e", out)
        rc, out, _ = run("-regtest", "info")
        self.assertEqual(rc, 0)
        self.assertIn("network:            regtest", out)
        rc, out, _ = run("-network=bitcoin", "info")
        self.assertIn("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", out)

    def test_newkey_then_decode(self):
        rc, out, _ = run("-regtest", "newkey")
        self.assertEqual(rc, 0)
        fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
        addr = fields["address"].strip()
        self.assertTrue(addr.startswith("c"))
        rc, out, _ = run("-regtest", "decodeaddress", addr)
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"hash160: [0-9a-f]{40}")
        # The same address on the main network: its own clear error.
        rc, _, err = run("decodeaddress", addr)
        self.assertEqual(rc, 1)
        self.assertIn("bad-version-byte", err)
        # Two keys are never the same.
        _, out2, _ = run("-regtest", "newkey")
        self.assertNotEqual(out, out2)

    def test_bad_input(self):
        for args, needle in [
            (["decodeaddress", "C0ffee"], "bad-base58-char"),
            (["decodetx", "zz"], "bad-hex"),
            (["decodetx", "00" * 152], "truncated"),
            (["decodetx", "00" * 154], "trailing-data"),
            (["-network=testnet", "info"], "unknown network"),
            (["-frobnicate", "info"], "unknown option"),
            (["mine"], "unknown command"),
        ]:
            rc, _, err = run(*args)
            self.assertNotEqual(rc, 0, args)
            self.assertIn(needle, err, args)

    def test_decodetx_verdicts(self):
        # A coinbase-shaped transaction: version 1, all-zero sender.
        tx = "01000000" + "00" * 33 + "11" * 20 + "00e1f50500000000" + "00" * 8 + "05" + "00" * 7 + "00" * 8 + "00" * 64
        rc, out, _ = run("decodetx", tx)
        self.assertEqual(rc, 0, out)
        self.assertIn("(coinbase)", out)
        self.assertIn("amount:    1.00000000 CB", out)
        self.assertIn("valid:     yes", out)
        # Version 2 is refused with Core-style reason.
        rc, out, _ = run("decodetx", "02" + tx[2:])
        self.assertEqual(rc, 2)
        self.assertIn("bad-txns-version", out)
        # A regular transaction whose key is not a point.
        bad = "01000000" + "05" + "11" * 32 + tx[74:]
        rc, out, _ = run("decodetx", bad)
        self.assertEqual(rc, 2)
        self.assertIn("bad-txns-pubkey", out)

    def test_verifyheaders_real_and_altered(self):
        path = os.path.join(TESTDATA, "bitcoin-headers-0-10236.bin")
        rc, out, _ = run("-network=bitcoin", "verifyheaders", path)
        self.assertEqual(rc, 0)
        self.assertIn("valid headers: 10236", out)
        self.assertIn("000000004f74d42205b9d7ae1cb5c1591e723894a71358fce73b7e0919628161", out)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        data[80 * 5000 + 70] ^= 1  # the time field of header 5000
        with tempfile.NamedTemporaryFile(suffix=".bin") as f:
            f.write(data)
            f.flush()
            rc, out, err = run("-network=bitcoin", "verifyheaders", f.name)
            self.assertEqual(rc, 2)
            self.assertIn("header 5000 refused: high-hash", err)
            self.assertIn("valid headers: 4999", out)
        # Wrong network: header 0 is not that genesis.
        rc, _, err = run("verifyheaders", path)
        self.assertEqual(rc, 2)
        self.assertIn("not the main genesis", err)
        rc, _, err = run("verifyheaders", "/nonexistent/headers.bin")
        self.assertEqual(rc, 1)
        self.assertIn("cannot open", err)

    def test_mineheader_every_kernel(self):
        # Main network's limit 0x1f00ffff: about 65,536 tries.
        header = "01000000" + "00" * 32 + "cd" * 32 + "00e0fc6a" + "ffff001f" + "00000000"
        target = 0xFFFF << (8 * (0x1F - 3))
        nonces = set()
        kernels = 0
        for kernel in ["avx512", "shani", "avx2", "portable"]:
            for threads in ["1", "2"]:
                rc, out, err = run("-minerimpl=" + kernel, "-minethreads=" + threads,
                                   "mineheader", header)
                if rc == 1 and "cannot run it" in err:
                    break  # this CPU lacks the instructions
                self.assertEqual(rc, 0, err)
                kernels += 1
                fields = dict(l.split(":", 1) for l in out.strip().splitlines())
                mined = bytes.fromhex(fields["header"].strip())
                self.assertEqual(mined[:76], bytes.fromhex(header)[:76])
                digest = hashlib.sha256(hashlib.sha256(mined).digest()).digest()
                self.assertLessEqual(int.from_bytes(digest, "little"), target)
                self.assertEqual(digest[::-1].hex(), fields["hash"].strip())
                nonces.add(fields["nonce"].strip())
        self.assertGreaterEqual(kernels, 2)
        # Every kernel scans in the same order, so all find the same nonce.
        self.assertEqual(len(nonces), 1)

    def test_mineheader_bad_input(self):
        for args, needle in [
            (["-minerimpl=quantum", "mineheader", "00" * 80], "unknown or this CPU"),
            (["-minethreads=0", "mineheader", "00" * 80], "-minethreads"),
            (["-minethreads=abc", "mineheader", "00" * 80], "-minethreads"),
            (["mineheader", "00" * 79], "truncated"),
            (["mineheader", "00" * 81], "trailing"),
            # bits 0x207fffff are above the main network's limit
            (["mineheader", "01" + "00" * 71 + "ffff7f20" + "00" * 4], "high-hash"),
        ]:
            rc, _, err = run(*args)
            self.assertNotEqual(rc, 0, args)
            self.assertIn(needle, err, args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
