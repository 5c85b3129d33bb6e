#!/usr/bin/env python3
"""What peers can make a node hold in memory: the resident size of a
regtest coinbitd before and after hostile peers, each from its own
127.0.x.y address, that
  - announce the largest message the node will buffer and send all of it
    but the last byte (4,000,000 bytes where the framing alone limits it;
    the largest real message, an inv of 50,000 entries, where each command
    has its own limit), and
  - send getheaders by the thousand and never read the answers.
Printed for one peer and for a full house of inbound peers (117 by
default).

    bench/peer_memory_bench.py [--bin DIR] [--peers N]

Run it with --bin pointing at another build to compare two versions on
the same machine in the same run."""
import argparse
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))



class Hostile:
    """One connection that fills the node's buffers and never reads."""

    def __init__(self, wire, port, src, getheaders):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.bind((src, 0))
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(wire.frame("version", wire.version_payload()) + wire.frame("verack", b""))
        time.sleep(0.1)  # the handshake first, as a peer would
        self.wire = wire
        self.getheaders = getheaders

    def push(self, data, seconds=2.0):
        """Sends what the node takes within `seconds`. Returns: bytes sent."""
        self.sock.setblocking(False)
        sent, deadline = 0, time.time() + seconds
        view = memoryview(data)
        while sent < len(data) and time.time() < deadline:
            try:
                sent += self.sock.send(view[sent:sent + (1 << 16)])
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                break  # closed by the node
        return sent

    def flood_getheaders(self):
        self.push(self.wire.frame("getheaders", self.getheaders) * 2000)

    def partial(self, command, length):
        """All of a message of `length` but its last byte.
        Returns: true when the node took it."""
        head = self.wire.frame(command, b"", length=length)[:24]
        return self.push(head + b"\0" * (length - 1), seconds=3.0) >= length

    def close(self):
        self.sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--peers", type=int, default=117)
    args = ap.parse_args()
    os.environ["CB_BIN"] = os.path.abspath(args.bin)
    from framework import Node  # noqa: E402 (reads CB_BIN)
    import wire  # noqa: E402

    root = tempfile.mkdtemp(prefix="cb-membench-")
    node = Node(os.path.join(root, "n"),
                extra=["-connect=0", "-maxconnections=%d" % (args.peers + 8)])
    node.start()
    try:
        node.rpc("generatetoaddress", 300, wire_address(node))
        genesis = bytes.fromhex(node.rpc("getblockhash", 0))[::-1]
        getheaders = struct.pack("<I", 1001) + b"\x01" + genesis + b"\0" * 32
        print("coinbitd from %s" % os.path.abspath(args.bin))
        base = node.rss_kib() / 1024
        print("  idle, 300 blocks: %.1f MiB resident" % base)
        # The largest partial message this node reads ahead: the framing's
        # limit where nothing else limits it, else the largest real one.
        probe = Hostile(wire, node.p2p_port, "127.0.9.1", getheaders)
        command, length = "block", 4_000_000
        if not probe.partial(command, length):
            command, length = "inv", 9 + 50_000 * 36
        probe.close()
        time.sleep(0.5)
        for mode, first in (("%s of %d bytes but one" % (command, length), 10),
                            ("2,000 getheaders never read", 120)):
            start = node.rss_kib() / 1024
            held = []
            for i in range(args.peers):
                src = "127.%d.%d.%d" % (first + i // 250, 1 + i % 250, 1)
                try:
                    h = Hostile(wire, node.p2p_port, src, getheaders)
                except OSError:
                    break
                held.append(h)
                if mode.startswith("2,000"):
                    h.flood_getheaders()
                else:
                    h.partial(command, length)
                if i == 0:
                    time.sleep(3)
                    one = node.rss_kib() / 1024 - start
            time.sleep(2)
            full = node.rss_kib() / 1024 - start
            connected = node.rpc("getconnectioncount")
            print("  %s: one peer +%.1f MiB; %d peers (%d still connected) +%.1f MiB, "
                  "%.1f MiB each" % (mode, one, len(held), connected, full,
                                     full / max(1, len(held))))
            for h in held:
                h.close()
            time.sleep(1)
    finally:
        node.kill()
        shutil.rmtree(root, ignore_errors=True)


def wire_address(node):
    """An address to mine to: a user of the node."""
    return node.rpc("createuser", "Bench", "b@example.org", "bench", "bench-password")["address"]


if __name__ == "__main__":
    main()
