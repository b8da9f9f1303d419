"""Schemathesis against the OpenAPI document, logged in as a correspondent of AFR and then
of EUR over a service holding both regions' records. For every generated request
(valid and invalid): no 5xx, every error is {"error", "message", "field"}, every JSON
answer is strict JSON (no NaN or Infinity), and no answer to one region's user holds
anything of the other region."""
from __future__ import annotations

import json

import pytest

from tests.fuzzing import fuzz_operations
from tests.security.conftest import leaks

pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras")

EXAMPLES = 8


def _strict(body: bytes):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(body, parse_constant=refuse)


def test_fuzz_as_users_of_two_regions(world):
    failures: list[str] = []
    exercised = 0
    for home, other in (("AFR", "EUR"), ("EUR", "AFR")):

        def check(operation, response, home=home, other=other):
            label = f"{home} {operation} -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{label}: {response.text[:200]}")
                return
            if leaks(response.content, other):
                failures.append(f"{label}: answer holds {other}'s data")
            if "json" in response.headers.get("content-type", ""):
                try:
                    body = _strict(response.content)
                except ValueError as exc:
                    failures.append(f"{label}: not strict JSON ({exc})")
                    return
                if response.status_code >= 400 and set(body) != {"error", "message", "field"}:
                    failures.append(f"{label}: error body {body}")

        auth = world.dev("correspondent", home).headers["Authorization"]
        exercised += fuzz_operations(world.server.app, auth, EXAMPLES, check)
    assert exercised >= 20
    assert not failures, "\n".join(failures[:10])
