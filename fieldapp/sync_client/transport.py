"""HTTP to the central service, built for bad links (2G, satellite, shared Wi-Fi).

- Bodies are gzip-compressed both ways; bytes are counted as they cross the wire.
- Every call has a connect timeout, a read timeout AND a total deadline, so a server
  that trickles bytes can never hang a sync.
- Timeouts, dropped connections, 5xx and 429 are retried with exponential backoff and
  jitter; 4xx answers are raised as `ServerRefused` with the server's JSON error.
- A reply that is not the service's (a hotel Wi-Fi login page answering every request
  with `200 text/html`, a redirect to another host, a proxy's HTML error page) raises
  `NotTheService` at once: nothing is applied, everything stays pending.
- Every reply of the service carries its clock (`X-Server-Time`, ms; `Date` otherwise);
  `on_server_time` hears it, so edits are stamped with the service's time.
"""
from __future__ import annotations

import gzip
import io
import json
import lzma
import random
import time
import zlib
from email.utils import parsedate_to_datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import requests
import urllib3.exceptions
import zstandard

from fieldapp.i18n import _
from sync.wire import SERVER_TIME_HEADER

ACCEPT_ENCODING = "zstd, xz, gzip"
MAX_REPLY_BYTES = 256 * 1024 * 1024  # decompressed; a bigger reply is refused (zip bomb)
CHUNK = 64 * 1024




class TransportError(Exception):
    """The server could not be reached or kept failing; the sync resumes next time."""

    def __init__(self, message: str = "", status: int | None = None):
        super().__init__(message)
        self.status = status  # the last HTTP status when the server answered (5xx, 429)


class NotTheService(TransportError):
    """Something else answered: a network login page (captive portal) or a proxy."""

    def __init__(self, detail: str, status: int | None = None):
        if status is not None and (status >= 500 or status == 407):
            message = _("A proxy answered instead of the server (HTTP {status}): the server may be down, or a "
                        "network login page is in the way: open a browser, sign in, then sync again. "
                        "Your changes are kept.").format(status=status)
        else:
            message = _("A network login page is in the way: open a browser, sign in, then sync again. "
                        "Your changes are kept.")
        super().__init__(message, status)
        self.detail = detail  # for logs and tests: what gave it away


class ServerRefused(Exception):
    """A 4xx answer: the request is wrong or not allowed; retrying will not help."""

    def __init__(self, status: int, error: str, message: str, field: str | None = None):
        self.status, self.error, self.message, self.field = status, error, message, field
        super().__init__(f"{status} {error}: {message}")


class AuthRequired(ServerRefused):
    """401: the token is missing, expired or revoked; log in again."""


@dataclass
class Traffic:
    """What crossed the wire, for the progress bar and the benchmarks."""

    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0

    def add(self, up: int, down: int) -> None:
        self.requests += 1
        self.bytes_up += up
        self.bytes_down += down


@dataclass
class RetryPolicy:
    attempts: int = 4  # with backoff 0.5, 1, 2 s: a dead server is reported within seconds
    base_delay: float = 0.5
    max_delay: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    deadline: float = 300.0  # total seconds for one call, retries included
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * (2 ** attempt)) * (0.5 + random.random() / 2)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise NotTheService("the reply is not JSON", self.status) from None


@dataclass
class Transport:
    base_url: str
    token: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    traffic: Traffic = field(default_factory=Traffic)
    session: requests.Session = field(default_factory=requests.Session)
    # called with (the service's time in ms, the round trip in ms) after each reply
    on_server_time: Callable[[int, int], None] | None = None
    # the codecs a reply may come in, best first (zstd: the smallest pages for the least
    # CPU; a benchmark narrows it to compare codecs)
    accept_encoding: str = ACCEPT_ENCODING

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    # ------------------------------------------------------------------ API calls
    def login(self, username: str, password: str) -> dict:
        reply = self.call("POST", "/v1/login", json_body={"username": username, "password": password}, auth=False)
        data = reply.json()
        self.token = data["token"]
        return data

    def sync(self, request: dict) -> dict:
        return self.call("POST", "/v1/sync", json_body=request).json()

    def health(self) -> dict:
        policy = RetryPolicy(attempts=1, connect_timeout=3, read_timeout=5, deadline=8)
        return self.call("GET", "/v1/health", auth=False, policy=policy).json()

    # ------------------------------------------------------------------ core
    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        policy: RetryPolicy | None = None,
        ok: tuple[int, ...] = (200, 201, 204, 206),
    ) -> Reply:
        """One logical call with retries; returns the decompressed reply or raises."""
        policy = policy or self.policy
        hdrs = {"Accept-Encoding": self.accept_encoding, "Accept": "application/json"} | (headers or {})
        body = data
        if json_body is not None:
            body = gzip.compress(json.dumps(json_body, separators=(",", ":")).encode("utf-8"), compresslevel=6)
            hdrs |= {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        if auth and self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        started = time.monotonic()
        last_error: Exception | None = None
        last_status: int | None = None
        for attempt in range(policy.attempts):
            remaining = policy.deadline - (time.monotonic() - started)
            if remaining <= 0:
                break
            try:
                sent = time.monotonic()
                reply = self._once(method, path, body, hdrs, policy, started + policy.deadline)
            except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError, TimeoutError, zlib.error,
                    EOFError, OSError) as exc:  # a body cut mid-stream surfaces from urllib3 itself
                last_error = exc
            else:
                intruder = _not_the_service(reply)
                if intruder is not None and reply.status < 500:
                    raise intruder
                if intruder is None:
                    self._tell_time(reply, sent)
                if reply.status in ok and intruder is None:
                    return reply
                if reply.status == 429 or reply.status >= 500:
                    last_status = reply.status
                    # a proxy's error page is retried like the 5xx it is, and named if it stays
                    last_error = intruder or TransportError(f"HTTP {reply.status}", reply.status)
                    retry_after = reply.headers.get("retry-after")
                    if retry_after and retry_after.isdigit():
                        policy.sleep(min(float(retry_after), policy.max_delay))
                        continue
                else:
                    raise self._refused(reply)
            if attempt + 1 < policy.attempts:
                pause = min(policy.delay(attempt), max(0.0, policy.deadline - (time.monotonic() - started)))
                policy.sleep(pause)
        if isinstance(last_error, NotTheService):
            raise last_error
        raise TransportError(_("The server could not be reached: {reason}").format(reason=_describe(last_error)), last_status)

    def _tell_time(self, reply: Reply, sent: float) -> None:
        if self.on_server_time is None:
            return
        server_ms = server_time_of(reply.headers)
        if server_ms is not None:
            self.on_server_time(server_ms, int((time.monotonic() - sent) * 1000))

    def _once(self, method: str, path: str, body: bytes | None, headers: dict, policy: RetryPolicy, deadline: float) -> Reply:
        resp = self.session.request(
            method, self.base_url + path, data=body, headers=headers, stream=True,
            timeout=(policy.connect_timeout, policy.read_timeout), allow_redirects=False,
        )
        try:
            raw = b"".join(_read_until(resp.raw.stream(CHUNK, decode_content=False), deadline))
        finally:
            resp.close()
        self.traffic.add(len(body or b"") + _header_bytes(headers), len(raw))
        payload = raw
        encoding = resp.headers.get("content-encoding", "").lower()
        if encoding == "gzip":
            payload = _gunzip_limited(raw, MAX_REPLY_BYTES)
        elif encoding == "xz":
            payload = _unxz_limited(raw, MAX_REPLY_BYTES)
        elif encoding == "zstd":
            payload = _unzstd_limited(raw, MAX_REPLY_BYTES)
        return Reply(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, payload)

    @staticmethod
    def _refused(reply: Reply) -> ServerRefused:
        try:
            data = reply.json()
            error, message, fld = data.get("error", "error"), data.get("message", ""), data.get("field")
        except (ValueError, AttributeError):
            error, message, fld = "error", reply.body[:200].decode("utf-8", "replace"), None
        cls = AuthRequired if reply.status == 401 else ServerRefused
        return cls(reply.status, error, message, fld)


def server_time_of(headers: dict[str, str]) -> int | None:
    """The server's clock in ms from a reply's headers, if it says."""
    raw = headers.get(SERVER_TIME_HEADER)
    if raw and raw.strip().isdigit():
        return int(raw.strip())
    date = headers.get("date")
    if date:
        try:
            return int(parsedate_to_datetime(date).timestamp() * 1000)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return None


def _not_the_service(reply: Reply) -> "NotTheService | None":
    """What a captive portal or proxy answers: a redirect (our service never redirects),
    or a body that is neither JSON nor attachment bytes."""
    if 300 <= reply.status < 400:
        where = reply.headers.get("location", "")
        return NotTheService(f"redirected to {where or 'another address'}", reply.status)
    if reply.status == 407:
        return NotTheService("a proxy asks for a login", reply.status)
    kind = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if reply.status == 204 or not reply.body:
        return None
    if kind == "application/octet-stream" and reply.status < 300:
        return None
    if kind != "application/json" and not kind.endswith("+json"):
        return NotTheService(f"HTTP {reply.status} {kind or 'without a content type'}", reply.status)
    return None


def _read_until(chunks: Iterator[bytes], deadline: float) -> Iterator[bytes]:
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise TimeoutError("the reply took longer than the call's deadline")
        yield chunk


def _gunzip_limited(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, limit + 1)
    if len(out) > limit or d.unconsumed_tail:
        raise ServerRefused(502, "reply_too_large", _("The server's reply is too large."))
    return out


def _unxz_limited(data: bytes, limit: int) -> bytes:
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    out = d.decompress(data, max_length=limit + 1)
    if len(out) > limit or not d.eof:
        raise ServerRefused(502, "reply_too_large", _("The server's reply is too large or cut short."))
    return out


def _unzstd_limited(data: bytes, limit: int) -> bytes:
    """Inflate at most `limit` bytes (a bomb stops there), and only a whole frame: the
    service writes each page's size in its frame, so a reply cut short is seen."""
    try:
        expected = zstandard.frame_content_size(data)
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
            out = reader.read(limit + 1)
    except zstandard.ZstdError:
        raise ServerRefused(502, "bad_reply", _("The server's reply is damaged or cut short.")) from None
    if len(out) > limit or (expected >= 0 and len(out) != expected):
        raise ServerRefused(502, "reply_too_large", _("The server's reply is too large or cut short."))
    return out


def _header_bytes(headers: dict) -> int:
    return sum(len(k) + len(str(v)) + 4 for k, v in headers.items())


def _describe(exc: Exception | None) -> str:
    if exc is None:
        return _("no answer in time")
    if isinstance(exc, (requests.Timeout, TimeoutError, urllib3.exceptions.ReadTimeoutError)):
        return _("it did not answer in time")
    if isinstance(exc, (requests.ConnectionError, urllib3.exceptions.HTTPError, EOFError)):
        return _("the connection failed or was cut")
    return str(exc)
