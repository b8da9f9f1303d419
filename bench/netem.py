"""A throttling, counting TCP proxy on 127.0.0.1, for the sync benchmark.

Why: the two systems compared in bench/sync.py count their traffic differently (our
transport counts its own bodies, PouchDB counts nothing), so both go through this proxy
and are measured the same way, at the TCP level: every byte of the HTTP exchange both
ways (request lines, headers, bodies; not the IP/TCP headers below them) and the number
of HTTP requests, found by parsing the client-to-server stream of each connection.

The same proxy emulates a slow link: each direction is paced at `rate_bps` and each byte
arrives `one_way_delay` seconds after it left (a 600 ms round trip is 0.3 s each way). A
new connection pays one round trip for the TCP handshake before its first byte can
arrive, as on a real link. Segments are scheduled like packets on a serial line:

    depart = max(arrival, line free); line free = depart + size / rate; deliver = line free + delay

Run alone: `python bench/netem.py --target 127.0.0.1:8765 --rate-kbit 256 --rtt-ms 600`.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import re
import threading
import time
import weakref
from dataclasses import dataclass, field

_ENCODING = re.compile(rb"\r\ncontent-encoding:[ \t]*([A-Za-z0-9_-]+)", re.IGNORECASE)
SEGMENT = 1460  # bytes per scheduled segment (a typical TCP MSS on Ethernet)
READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class Counters:
    """What crossed the proxy: HTTP requests, bytes each way, TCP connections opened."""

    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    connections: int = 0

    def __sub__(self, other: "Counters") -> "Counters":
        return Counters(self.requests - other.requests, self.bytes_up - other.bytes_up,
                        self.bytes_down - other.bytes_down, self.connections - other.connections)


class RequestCounter:
    """Counts HTTP/1.x requests in one connection's client-to-server byte stream.

    Walks the stream as a server would: a head up to the blank line, then a body of
    Content-Length bytes or a chunked body, then the next head. Keeps each request line
    so a benchmark can show what a client actually asked for."""

    def __init__(self, log: list[str] | None = None):
        self.count = 0
        self.log = log if log is not None else []
        self._buf = bytearray()
        self._state = "head"
        self._remaining = 0

    def feed(self, data: bytes) -> None:
        self._buf += data
        while self._step():
            pass

    def _step(self) -> bool:
        buf = self._buf
        if self._state == "head":
            while buf[:2] == b"\r\n":  # tolerated between requests (RFC 9112 2.2)
                del buf[:2]
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return False
            head = bytes(buf[:end]).decode("latin-1")
            del buf[:end + 4]
            lines = head.split("\r\n")
            self.count += 1
            self.log.append(lines[0])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._state = "chunk-size"
            else:
                self._remaining = int(headers.get("content-length") or 0)
                self._state = "body" if self._remaining else "head"
            return True
        if self._state in ("body", "chunk-data"):
            if not buf:
                return False
            take = min(len(buf), self._remaining)
            del buf[:take]
            self._remaining -= take
            if self._remaining:
                return False
            self._state = "head" if self._state == "body" else "chunk-size"
            return True
        end = buf.find(b"\r\n")
        if end < 0:
            return False
        line = bytes(buf[:end])
        del buf[:end + 2]
        if self._state == "chunk-size":
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self._state = "trailer"
            else:
                self._state, self._remaining = "chunk-data", size + 2  # data + CRLF
        elif self._state == "trailer" and not line:
            self._state = "head"
        return True


@dataclass(eq=False)
class Link:
    """One direction of an emulated link: a serial line of `rate_bps` bits per second
    followed by `delay` seconds of propagation. `schedule` is pure arithmetic so tests can
    check the model without waiting for it."""

    rate_bps: float | None = None
    delay: float = 0.0
    line_free: float = 0.0

    @property
    def shaping(self) -> bool:
        return bool(self.rate_bps) or self.delay > 0

    def schedule(self, arrival: float, size: int) -> float:
        """When a segment of `size` bytes that reached the sender at `arrival` is delivered."""
        depart = max(arrival, self.line_free)
        self.line_free = depart + (size * 8 / self.rate_bps if self.rate_bps else 0.0)
        return self.line_free + self.delay


@dataclass
class Proxy:
    """`Proxy(host, port).start()` listens on 127.0.0.1 (free port) and forwards there."""

    target_host: str
    target_port: int
    rate_bps: float | None = None
    one_way_delay: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    keep_log: int = 5000  # request lines kept for inspection
    # A connection idle this long is closed by the proxy, before the server's own
    # keep-alive timeout (5 s for node and uvicorn) can close it: a server's FIN crossing
    # a new request on a 300 ms link would otherwise leave that request unanswered.
    idle_close: float = 2.0
    request_log: collections.deque = field(init=False, repr=False)
    _requests: int = field(default=0, init=False, repr=False)
    _up: int = field(default=0, init=False, repr=False)
    _down: int = field(default=0, init=False, repr=False)
    _connections: int = field(default=0, init=False, repr=False)
    # Content-Encoding of the answers, counted from the server-to-client stream: which
    # codec a case really used, whatever each side says it asks for.
    encodings: collections.Counter = field(default_factory=collections.Counter, init=False, repr=False)

    def __post_init__(self) -> None:
        self.request_log = collections.deque(maxlen=self.keep_log)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self._links: weakref.WeakSet[Link] = weakref.WeakSet()

    # ------------------------------------------------------------------ public
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def configure(self, rate_bps: float | None, one_way_delay: float) -> None:
        """Change the link at once, for open connections too: a client keeps its
        kept-alive connections (and PouchDB its replication ids, which depend on the URL)
        while the benchmark moves from the fast link to the slow one."""
        self.rate_bps, self.one_way_delay = rate_bps, one_way_delay
        with self._lock:
            for link in list(self._links):
                link.rate_bps, link.delay, link.line_free = rate_bps, one_way_delay, 0.0

    def counters(self) -> Counters:
        with self._lock:
            return Counters(self._requests, self._up, self._down, self._connections)

    def start(self) -> "Proxy":
        self._thread = threading.Thread(target=self._run, name="netem-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._shutdown)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> "Proxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ loop
    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stopping.wait()
        self._server.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _shutdown(self) -> None:
        self._stopping.set()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        with self._lock:
            self._connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_w.close()
            return
        now = time.monotonic()
        rtt = 2 * self.one_way_delay
        # The handshake: the client's first byte cannot leave before one round trip.
        up = Link(self.rate_bps, self.one_way_delay, line_free=now + rtt if rtt else 0.0)
        down = Link(self.rate_bps, self.one_way_delay)
        with self._lock:
            self._links.update((up, down))
        parser = RequestCounter(log=_DequeList(self.request_log, self._lock))
        state = _Activity(now)
        pipes = [asyncio.ensure_future(self._pipe(client_r, server_w, up, "up", parser, state)),
                 asyncio.ensure_future(self._pipe(server_r, client_w, down, "down", None, state))]
        watchdog = asyncio.ensure_future(self._watch_idle(state))
        try:
            # An HTTP peer that closes closes both ways: when either side is done, so is
            # the connection (a request sent after the server's close fails, not hangs).
            await asyncio.wait(pipes + [watchdog], return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass
        finally:
            for task in pipes + [watchdog]:
                task.cancel()
            await asyncio.gather(*pipes, watchdog, return_exceptions=True)
            for w in (client_w, server_w):
                w.close()

    async def _watch_idle(self, state: "_Activity") -> None:
        while True:
            await asyncio.sleep(min(0.25, self.idle_close / 4))
            # idle after the server spoke last: no request is waiting for its answer
            if state.pending == 0 and state.last_direction == "down" and time.monotonic() - state.last > self.idle_close:
                return

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link, direction: str,
                    parser: RequestCounter | None, state: "_Activity") -> None:
        queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                state.pending -= 1
                state.last, state.last_direction = time.monotonic(), direction
                if data is None:
                    return
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())

        async def put(item: tuple[float, bytes | None]) -> None:
            state.pending += 1
            await queue.put(item)

        try:
            while True:
                try:
                    data = await reader.read(READ_SIZE)
                except (ConnectionError, OSError):
                    data = b""
                now = time.monotonic()
                state.last, state.last_direction = now, direction
                if not data:
                    await put((link.schedule(now, 0) if link.shaping else now, None))
                    break
                self._account(direction, data, parser)
                if not link.shaping:
                    await put((now, data))
                    continue
                for i in range(0, len(data), SEGMENT):
                    part = data[i:i + SEGMENT]
                    await put((link.schedule(now, len(part)), part))
            await sender
        finally:
            if not sender.done():
                sender.cancel()

    def _account(self, direction: str, data: bytes, parser: RequestCounter | None) -> None:
        if parser is not None:
            before = parser.count
            parser.feed(data)
            new = parser.count - before
        else:
            new = 0
        with self._lock:
            if direction == "up":
                self._up += len(data)
                self._requests += new
            else:
                self._down += len(data)
                for match in _ENCODING.finditer(data):
                    self.encodings[match.group(1).decode("latin-1").lower()] += 1


@dataclass
class _Activity:
    """One connection's last activity and the segments still on the emulated line."""

    last: float
    pending: int = 0
    last_direction: str = "up"


class _DequeList(list):
    """A list-like sink that appends request lines to the proxy's shared deque."""

    def __init__(self, target: collections.deque, lock: threading.Lock):
        super().__init__()
        self._target, self._target_lock = target, lock

    def append(self, item: str) -> None:  # type: ignore[override]
        with self._target_lock:
            self._target.append(item)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, help="HOST:PORT to forward to (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate-kbit", type=float, default=0, help="per direction; 0: unlimited")
    parser.add_argument("--rtt-ms", type=float, default=0)
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        parser.error("the target must be on 127.0.0.1")
    proxy = Proxy(host, int(port), rate_bps=args.rate_kbit * 1000 or None, one_way_delay=args.rtt_ms / 2000,
                  port=args.port).start()
    print(f"forwarding {proxy.url} -> {args.target}; Ctrl-C prints the counters and stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print(proxy.counters())
        proxy.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
