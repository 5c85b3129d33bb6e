#!/usr/bin/env python3
"""The relay the lessons put between nodes (relay.py): its delay, bandwidth
and loss are real on the wire, hold keeps bytes in order, cut closes and
refuses, heal lets through again. No nodes: an echo server on 127.0.0.1."""
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay import Relay  # noqa: E402


class Echo:
    """A TCP server that sends back whatever it reads."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.echo, args=(c,), daemon=True).start()

    @staticmethod
    def echo(c):
        with c:
            while True:
                try:
                    data = c.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                c.sendall(data)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_exact(s, n):
    got = b""
    while len(got) < n:
        data = s.recv(n - len(got))
        if not data:
            break
        got += data
    return got


def closed(s, timeout=5):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class RelayTest(unittest.TestCase):
    def setUp(self):
        self.echo = Echo()

    def relay(self, **kw):
        r = Relay(**kw)
        k = r.add(self.echo.port)
        r.start()
        self.addCleanup(r.stop)
        return r, k

    def test_latency_is_on_the_wire(self):
        r, k = self.relay(latency_ms=80)
        s = connect(r.port(k))
        for _ in range(3):
            t = time.monotonic()
            s.sendall(b"ping")
            self.assertEqual(read_exact(s, 4), b"ping")
            rtt = time.monotonic() - t
            self.assertGreaterEqual(rtt, 0.160)  # 80 ms each way
            self.assertLess(rtt, 1.0)
        s.close()

    def test_bandwidth_paces_a_big_message(self):
        r, k = self.relay(bandwidth_kbit=2000)  # 250,000 bytes a second each way
        s = connect(r.port(k))
        data = os.urandom(100_000)
        t = time.monotonic()
        s.sendall(data)
        self.assertEqual(read_exact(s, len(data)), data)
        # Through the wire twice (there and back): 0.4 s at least.
        self.assertGreaterEqual(time.monotonic() - t, 0.38)
        self.assertGreater(r.bytes_carried(k), 2 * len(data) - 1)
        s.close()

    def test_loss_delays_but_never_reorders(self):
        r, k = self.relay(loss=0.3, seed=5)
        s = connect(r.port(k))
        chunks = [bytes([i]) * 3000 for i in range(20)]
        t = time.monotonic()
        for c in chunks:
            s.sendall(c)
        got = read_exact(s, 60_000)
        self.assertEqual(got, b"".join(chunks))
        # Some of 40+ segments each way were "lost": each costs an RTO.
        self.assertGreaterEqual(time.monotonic() - t, 0.2)
        s.close()

    def test_hold_keeps_order_and_release_delivers(self):
        r, k = self.relay()
        s = connect(r.port(k))
        s.sendall(b"a")
        self.assertEqual(read_exact(s, 1), b"a")
        r.hold(k)
        s.sendall(b"bc")
        s.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            s.recv(10)
        s.settimeout(10)
        s.sendall(b"d")
        r.release(k)
        self.assertEqual(read_exact(s, 3), b"bcd")
        s.close()

    def test_cut_closes_and_refuses_until_healed(self):
        r, k = self.relay()
        s = connect(r.port(k))
        s.sendall(b"x")
        self.assertEqual(read_exact(s, 1), b"x")
        r.cut(k)
        self.assertTrue(closed(s), "a cut link's connection stays open")
        s2 = connect(r.port(k))
        self.assertTrue(closed(s2), "a cut link takes new connections")
        r.heal(k)
        s3 = connect(r.port(k))
        s3.sendall(b"again")
        self.assertEqual(read_exact(s3, 5), b"again")
        for x in (s, s2, s3):
            x.close()

    def test_bad_settings_are_refused(self):
        for kw in ({"latency_ms": -1}, {"loss": 1.0}, {"loss": -0.1}, {"bandwidth_kbit": -5}):
            with self.assertRaises(ValueError):
                Relay(**kw)


if __name__ == "__main__":
    unittest.main()
