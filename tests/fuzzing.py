"""The schemathesis driver both fuzz suites share (tests/server/test_fuzz_openapi.py,
tests/security/test_fuzz_two_regions.py): every operation of the service's OpenAPI
document, valid and invalid requests, a bounded number of examples each, sent with the
caller's token; what to check of each answer is the suite's own."""
from __future__ import annotations

from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable


def fuzz_operations(app: Any, authorization: str, examples: int, check: Callable[[str, Any], None]) -> int:
    """Call `check(label, response)` for every generated request; returns how many
    (operation, mode) pairs could be exercised (none invalid exists for GET /v1/health)."""
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    exercised = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, mode, authorization, examples, check)
                exercised += 1
            except Unsatisfiable:
                continue
    return exercised


def _exercise(operation: Any, mode: Any, authorization: str, examples: int,
              check: Callable[[str, Any], None]) -> None:
    label = f"{operation.label} [{mode.value}]"

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        headers = dict(case.headers or {})
        headers.setdefault("Authorization", authorization)
        check(label, case.call(headers=headers))

    run()
