"""Schemathesis against the OpenAPI document, logged in as a correspondent of AFR and then
of EUR over a service holding both regions' records. For every generated request
(valid and invalid): no 5xx, every error is {"error", "message", "field"}, every JSON
answer is strict JSON (no NaN or Infinity), and no answer to one region's user holds
anything of the other region."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from tests.security.conftest import leaks

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras")

from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = 8


def _strict(body: bytes):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(body, parse_constant=refuse)


def test_fuzz_as_users_of_two_regions(world):
    server = world.server
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", server.app)
    failures: list[str] = []
    exercised = 0
    for home, other in (("AFR", "EUR"), ("EUR", "AFR")):
        auth = world.dev("correspondent", home).headers["Authorization"]
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode)

                @settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
                @given(case=strategy)
                def run(case):
                    headers = dict(case.headers or {})
                    headers.setdefault("Authorization", auth)
                    response = case.call(headers=headers)
                    label = f"{home} {operation.label} [{mode.value}] -> {response.status_code}"
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

                try:
                    run()
                    exercised += 1
                except Unsatisfiable:
                    continue
    assert exercised >= 20
    assert not failures, "\n".join(failures[:10])
