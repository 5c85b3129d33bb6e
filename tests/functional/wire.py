"""A small P2P client written from SPEC section 6 (not from our C code), for
tests that act as a peer: honest or hostile. Python 3 standard library only."""
import hashlib
import os
import socket
import struct
import time

REGTEST_MAGIC = bytes.fromhex("cbc01b7e")
COIN = 100_000_000
REGTEST_TARGET = 0x7FFFFF << (8 * (0x20 - 3))


def subsidy(height):
    """Regtest's block reward: 20 CB, halving every 150 blocks (SPEC)."""
    return 0 if height == 0 else (20 * COIN) >> (height // 150)


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def compact(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def frame(command, payload, magic=REGTEST_MAGIC, checksum=None, length=None):
    cmd = command.encode().ljust(12, b"\0")
    ln = len(payload) if length is None else length
    ck = sha256d(payload)[:4] if checksum is None else checksum
    return magic + cmd + struct.pack("<I", ln) + ck + payload


def netaddr(ip="127.0.0.1", port=0):
    return (struct.pack("<Q", 1) + b"\0" * 10 + b"\xff\xff" + socket.inet_aton(ip) +
            struct.pack(">H", port))


def version_payload(nonce=None, height=0, agent=b"/wire-test:0.1/"):
    nonce = nonce if nonce is not None else int.from_bytes(os.urandom(8), "little")
    return (struct.pack("<iQq", 1001, 1, int(time.time())) + netaddr() + netaddr() +
            struct.pack("<Q", nonce) + compact(len(agent)) + agent + struct.pack("<i", height) +
            b"\x01")


def merkle_root(txids):
    layer = list(txids)
    while len(layer) > 1:
        if len(layer) % 2:
            layer.append(layer[-1])
        layer = [sha256d(layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0]


def coinbase(height, t, to=b"\x42" * 20, amount=20 * COIN, tag=b"wire"):
    return (struct.pack("<I", 1) + b"\0" * 33 + to + struct.pack("<QQQQ", amount, 0, height, t) +
            tag.ljust(64, b"\0"))


def make_block(prev_hash_hex, height, t, txs=(), valid_pow=True, tag=b"wire", to=b"\x42" * 20,
               amount=20 * COIN):
    """A regtest block on prev with a coinbase and txs (raw bytes). With
    valid_pow False the header misses the target (nonce chosen for that)."""
    cb = coinbase(height, t, to=to, amount=amount, tag=tag)
    body = [cb] + list(txs)
    root = merkle_root([sha256d(x) for x in body])
    prev = bytes.fromhex(prev_hash_hex)[::-1]
    for nonce in range(1 << 20):
        header = struct.pack("<I", 1) + prev + root + struct.pack("<III", t, 0x207FFFFF, nonce)
        ok = int.from_bytes(sha256d(header), "little") <= REGTEST_TARGET
        if ok == valid_pow:
            return header + compact(len(body)) + b"".join(body), sha256d(header)[::-1].hex()
    raise RuntimeError("no nonce")


class Peer:
    """One TCP connection to a node, from a chosen loopback source address
    (bans are per address, so each hostile act can come from its own)."""

    def __init__(self, port, source="127.0.0.1", timeout=10):
        self.sock = socket.socket()
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, command, payload=b"", **kw):
        self.send_raw(frame(command, payload, **kw))

    def recv_msg(self):
        """The next message as (command, payload); None when the node closed."""
        while True:
            if len(self.buf) >= 24:
                length = struct.unpack("<I", self.buf[16:20])[0]
                if len(self.buf) >= 24 + length:
                    cmd = self.buf[4:16].rstrip(b"\0").decode()
                    payload = self.buf[24:24 + length]
                    self.buf = self.buf[24 + length:]
                    return cmd, payload
            try:
                data = self.sock.recv(1 << 16)
            except (ConnectionResetError, socket.timeout):
                return None
            if not data:
                return None
            self.buf += data

    def wait_for(self, command):
        while True:
            m = self.recv_msg()
            if m is None:
                return None
            if m[0] == command:
                return m[1]

    def handshake(self, height=0):
        self.send("version", version_payload(height=height))
        assert self.wait_for("version") is not None, "no version from the node"
        self.send("verack")
        assert self.wait_for("verack") is not None, "no verack from the node"

    def closed(self, timeout=10):
        """True when the node closes the connection within timeout."""
        self.sock.settimeout(timeout)
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return True
            except socket.timeout:
                return False
            if not data:
                return True

    def close(self):
        self.sock.close()
