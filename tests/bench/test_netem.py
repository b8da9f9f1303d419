"""The benchmark's proxy counts what a client really sent and received: every HTTP request
on a kept-alive connection (plain, with a body, chunked) and every byte both ways."""
from __future__ import annotations

import importlib.util
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("bench_netem", Path(__file__).parents[2] / "bench" / "netem.py")
netem = importlib.util.module_from_spec(_spec)
sys.modules["bench_netem"] = netem
_spec.loader.exec_module(netem)


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so several requests share one connection

    def do_GET(self):
        self._answer(b"hello " + self.path.encode())

    def do_POST(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(body[::-1])

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _read_reply(sock: socket.socket, buffer: bytearray) -> bytes:
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = int([line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")][0])
    while len(rest) < length:
        rest += sock.recv(65536)
    buffer[:] = rest[length:]
    return rest[:length]


def test_requests_and_bytes_on_one_kept_alive_connection(echo_server):
    body = b"x" * 5000 + b"\r\n\r\nGET /not-a-request HTTP/1.1\r\n\r\n"  # a body that looks like a request
    chunked = b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\n\r\n"
    sent = [
        b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
        b"POST /three HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
    ]
    with netem.Proxy("127.0.0.1", echo_server) as proxy:
        received = 0
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            buffer = bytearray()
            replies = []
            for request in sent:
                # split mid-head and mid-body, as TCP may deliver it
                sock.sendall(request[:7])
                sock.sendall(request[7:])
                replies.append(_read_reply(sock, buffer))
            sock.shutdown(socket.SHUT_WR)
            rest = b""
            while chunk := sock.recv(65536):
                rest += chunk
        counted = proxy.counters()
        log = list(proxy.request_log)
    assert replies == [b"hello /one", body[::-1], b"cbaolleh"]
    assert counted.requests == 3
    assert counted.connections == 1
    assert counted.bytes_up == sum(len(r) for r in sent)
    assert log == ["GET /one HTTP/1.1", "POST /two HTTP/1.1", "POST /three HTTP/1.1"]
    # every byte the server wrote reached the client through the proxy
    reply_bytes = counted.bytes_down
    assert reply_bytes > sum(len(r) for r in replies) and not rest and not buffer


def test_counters_subtract_to_one_measurement(echo_server):
    with netem.Proxy("127.0.0.1", echo_server) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            _read_reply(sock, bytearray())
            start = proxy.counters()
            request = b"GET /bb HTTP/1.1\r\nHost: x\r\n\r\n"
            sock.sendall(request)
            _read_reply(sock, bytearray())
        delta = proxy.counters() - start
    assert (delta.requests, delta.bytes_up, delta.connections) == (1, len(request), 0)
    assert delta.bytes_down > len(b"hello /bb")


def test_link_paces_bytes_and_delays_each_direction():
    """256 kbit/s with 300 ms each way: 32 000 bytes take one second on the line, then
    arrive 0.3 s later; a segment arriving while the line is busy waits its turn."""
    link = netem.Link(rate_bps=256_000, delay=0.3)
    assert link.schedule(10.0, 32_000) == pytest.approx(11.3)
    assert link.schedule(10.5, 3_200) == pytest.approx(11.4)  # queued behind the first
    assert link.schedule(20.0, 0) == pytest.approx(20.3)  # an idle line: only the delay
    assert netem.Link().schedule(5.0, 10**6) == 5.0  # no shaping: no delay


def test_an_idle_connection_is_closed_before_the_server_would(echo_server):
    """The proxy closes a kept-alive connection idle after an answer, so a server's own
    keep-alive close can never cross a new request on a slow link and leave it hanging."""
    with netem.Proxy("127.0.0.1", echo_server, idle_close=0.2) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_reply(sock, bytearray()) == b"hello /a"
            assert sock.recv(100) == b""  # closed by the proxy, not left open
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_reply(sock, bytearray()) == b"hello /b"
        assert proxy.counters().connections == 2
