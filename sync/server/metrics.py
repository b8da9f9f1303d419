"""`GET /v1/metrics` in Prometheus' text format: requests by route and status, a latency
histogram, operations by outcome (applied, conflict, duplicate, rejected) and the size of
the change feed.

Counters live in each worker process (labelled with its pid, as Prometheus expects of
several targets behind one address: scrape each worker, or sum them); the feed size is
read from the database, so any worker answers it right. Routes are labelled by their
template (`/v1/blobs/{sha256}`), never by the path a client sent, so a client cannot
blow up the number of series.
"""
from __future__ import annotations

import bisect
import os
import threading
from collections import defaultdict

from starlette.types import Scope

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.ops: dict[str, int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            self.latency[route][bisect.bisect_left(BUCKETS, seconds)] += 1
            self.latency_sum[route] += seconds

    def observe_request(self, scope: Scope, status: int, seconds: float) -> None:
        """An observer for middleware.ObserveRequests: one HTTP request's outcome."""
        self.observe(scope.get("method", "?"), route_of(scope), status, seconds)

    def count_ops(self, outcomes: dict[str, int]) -> None:
        with self._lock:
            for status, n in outcomes.items():
                self.ops[status] += n

    def render(self, feed_size: int) -> str:
        pid = f'pid="{os.getpid()}"'
        out = ["# HELP fieldapp_requests_total HTTP requests answered, by route template and status.",
               "# TYPE fieldapp_requests_total counter"]
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                out.append(f'fieldapp_requests_total{{{pid},method="{method}",route="{route}",status="{status}"}} {n}')
            out += ["# HELP fieldapp_request_seconds Time to answer a request, by route template.",
                    "# TYPE fieldapp_request_seconds histogram"]
            for route, counts in sorted(self.latency.items()):
                running = 0
                for bound, n in zip((*BUCKETS, float("inf")), counts):
                    running += n
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    out.append(f'fieldapp_request_seconds_bucket{{{pid},route="{route}",le="{le}"}} {running}')
                out.append(f'fieldapp_request_seconds_sum{{{pid},route="{route}"}} {self.latency_sum[route]:.6f}')
                out.append(f'fieldapp_request_seconds_count{{{pid},route="{route}"}} {running}')
            out += ["# HELP fieldapp_ops_total Operations received in syncs, by outcome.",
                    "# TYPE fieldapp_ops_total counter"]
            for status in sorted({"applied", "conflict", "duplicate", "rejected", *self.ops}):
                out.append(f'fieldapp_ops_total{{{pid},status="{status}"}} {self.ops.get(status, 0)}')
        out += ["# HELP fieldapp_feed_size Position of the change feed (changes ever recorded).",
                "# TYPE fieldapp_feed_size gauge", f"fieldapp_feed_size {feed_size}"]
        return "\n".join(out) + "\n"


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
