"""Links between local nodes that a lesson or a test can slow, hold or cut.

Each link (dialer, listener) of a LocalNet gets its own port here; the
dialer connects to that port and the relay opens the real connection to
the listener, then copies bytes both ways. On the way it can:

- delay every byte by latency_ms (one way), as a long wire does;
- limit each direction to bandwidth_kbit, so a big block takes its time
  to cross (bytes leave in order, each after the ones before it);
- lose packets with probability loss: TCP never loses bytes, it sends a
  lost segment again after its retransmission timeout, so a lost
  1448-byte segment here arrives RTO_MS later than it would have, and
  everything behind it waits (as TCP's in-order delivery makes it);
- hold a link (bytes wait here until release, in order), and cut it
  (every connection of it closed; new ones refused until healed).

This is what Linux's netem does to packets, done on the byte stream, for
kernels without netem (the machines these lessons run on have tc's tbf,
but no netem). Randomness (loss) comes from a seeded generator per link,
so the same seed loses the same segments. Python 3 standard library only;
asyncio on one thread of its own.
"""
import asyncio
import random
import socket
import threading
import time

SEGMENT = 1448  # bytes of one TCP segment on an Ethernet path
RTO_MS = 200    # Linux's smallest retransmission timeout


class Link:
    def __init__(self, relay, index, target, seed):
        self.relay = relay
        self.index = index
        self.target = target  # (host, port) of the listener
        self.up = True
        self.held = False
        self.rng = random.Random(seed)
        self.pairs = set()  # (reader task, writer) of open connections
        self.release_ev = None
        self.bytes = 0
        self.server = None
        self.port = None


class Relay:
    """A relay for a set of links. add(target) before start(); every
    other call is safe from any thread once started."""

    def __init__(self, latency_ms=0, loss=0.0, bandwidth_kbit=0, seed=1):
        if latency_ms < 0 or not 0 <= loss < 1 or bandwidth_kbit < 0:
            raise ValueError("latency >= 0 ms, 0 <= loss < 1, bandwidth >= 0 kbit/s")
        self.latency = latency_ms / 1000.0
        self.loss = loss
        self.bandwidth = bandwidth_kbit * 1000.0 / 8.0  # bytes per second, 0: unlimited
        self.seed = seed
        self.links = []
        self.loop = None
        self.thread = None

    def add(self, target_port, target_host="127.0.0.1"):
        """A new link to that listener; returns its index."""
        link = Link(self, len(self.links), (target_host, target_port),
                    self.seed * 1000003 + len(self.links))
        self.links.append(link)
        return link.index

    def port(self, index):
        return self.links[index].port

    def start(self):
        ready = threading.Event()
        self.loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self._listen_all())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="relay", daemon=True)
        self.thread.start()
        if not ready.wait(30):
            raise RuntimeError("the relay did not start")

    async def _listen_all(self):
        for link in self.links:
            link.release_ev = asyncio.Event()
            link.release_ev.set()
            link.server = await asyncio.start_server(
                lambda r, w, link=link: self._accept(link, r, w), "127.0.0.1", 0)
            link.port = link.server.sockets[0].getsockname()[1]

    def _call(self, fn, *args):
        """Runs fn on the relay's loop and returns its result."""
        async def wrap():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(30)

    # What a lesson does to a link.
    def cut(self, index):
        """Closes every connection of the link and refuses new ones."""
        self._call(self._cut, self.links[index])

    def heal(self, index):
        self._call(self._heal, self.links[index])

    def hold(self, index):
        """Bytes of the link wait here (both ways) until release."""
        self._call(self._hold, self.links[index])

    def release(self, index):
        self._call(self._release, self.links[index])

    def bytes_carried(self, index):
        return self.links[index].bytes

    def stop(self):
        if not self.loop:
            return

        async def close_all():
            for link in self.links:
                self._cut(link)
                if link.server:
                    link.server.close()
        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop = None

    def _cut(self, link):
        link.up = False
        for task, writer in list(link.pairs):
            task.cancel()
            writer.close()
        link.pairs.clear()

    def _heal(self, link):
        link.up = True

    def _hold(self, link):
        link.held = True
        link.release_ev.clear()

    def _release(self, link):
        link.held = False
        link.release_ev.set()

    async def _accept(self, link, reader, writer):
        if not link.up:
            writer.close()
            return
        try:
            up_r, up_w = await asyncio.open_connection(*link.target)
        except OSError:
            writer.close()
            return
        for w in (writer, up_w):
            w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = asyncio.ensure_future(self._pair(link, reader, writer, up_r, up_w))
        link.pairs.add((task, writer))
        link.pairs.add((task, up_w))
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            link.pairs.discard((task, writer))
            link.pairs.discard((task, up_w))
            writer.close()
            up_w.close()

    async def _pair(self, link, r1, w1, r2, w2):
        done = [asyncio.ensure_future(self._pipe(link, r1, w2)),
                asyncio.ensure_future(self._pipe(link, r2, w1))]
        try:
            await asyncio.wait(done, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in done:
                t.cancel()

    async def _pipe(self, link, reader, writer):
        """One direction: read, stamp each chunk with when it may arrive,
        and write it then, in order."""
        queue = asyncio.Queue()
        free_at = [0.0]  # when the wire is free for the next byte (bandwidth)

        async def deliver():
            while True:
                at, data = await queue.get()
                if data is None:
                    writer.close()
                    return
                await link.release_ev.wait()
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await link.release_ev.wait()
                link.bytes += len(data)  # before: write() may send at once
                writer.write(data)
                await writer.drain()

        out = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(1 << 16)
                now = time.monotonic()
                if not data:
                    queue.put_nowait((now, None))
                    await out
                    return
                at = now
                if self.bandwidth:
                    start = max(now, free_at[0])
                    free_at[0] = start + len(data) / self.bandwidth
                    at = free_at[0]
                if self.loss:
                    segments = (len(data) + SEGMENT - 1) // SEGMENT
                    lost = sum(1 for _ in range(segments) if link.rng.random() < self.loss)
                    at += lost * RTO_MS / 1000.0
                queue.put_nowait((at + self.latency, data))
        finally:
            out.cancel()
