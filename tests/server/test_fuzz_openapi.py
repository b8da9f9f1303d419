"""Schema-driven fuzzing (schemathesis) of the OpenAPI document: valid and invalid
requests for every operation, bounded (a few examples each); no answer may be a 5xx, and
every error must be the JSON `{"error", "message", "field"}`. `make fuzz` runs this file."""
from __future__ import annotations

import pytest

from tests.fuzzing import fuzz_operations

pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras")

EXAMPLES = 12


def test_openapi_document_lists_every_route(server):
    doc = server.client.get("/v1/openapi.json").json()
    assert set(doc["paths"]) == {"/v1/health", "/v1/login", "/v1/logout", "/v1/me", "/v1/sync", "/v1/blobs/missing",
                                 "/v1/blobs/{sha256}/upload", "/v1/blobs/{sha256}", "/v1/metrics",
                                 "/v1/admin/erase", "/v1/admin/erasures", "/v1/erasures", "/v1/scope",
                                 "/v1/admin/history/{entity}/{row_id}"}
    sync_op = doc["paths"]["/v1/sync"]["post"]
    assert sync_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SyncRequest")
    assert "422" in sync_op["responses"] and "401" in sync_op["responses"]


def test_fuzz_every_operation_no_server_error(server):
    failures: list[str] = []

    def check(label, response):
        if response.status_code >= 500:
            failures.append(f"{label} -> {response.status_code}: {response.text[:200]}")
        elif response.status_code >= 400:
            body = response.json()
            if set(body) != {"error", "message", "field"}:
                failures.append(f"{label} -> {response.status_code} body {body}")

    exercised = fuzz_operations(server.app, server.device().headers["Authorization"], EXAMPLES, check)
    assert exercised >= 10
    assert not failures, "\n".join(failures[:10])
