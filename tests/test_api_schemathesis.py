"""Property-based run of schemathesis against the app: requests generated from the OpenAPI document, zero server errors."""
from __future__ import annotations

from typing import Any, Callable

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from kb_app.accounts import create_user
from kb_app.api_tokens import create_token
from kb_app.db import get_session
from kb_app.rate_limit import MemoryRateLimiter

# Bounded so that the whole run stays well under a minute on a busy two-core machine.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, negative_data_rejection]


def generated_cases(operation: Any, mode: GenerationMode, examples: int) -> list[schemathesis.Case]:
    """Cases drawn by Hypothesis, sent afterwards: Hypothesis seeds the global `random` while a test runs, which
    would make Whoosh name every new index segment alike (a clash no real server meets)."""
    cases: list[schemathesis.Case] = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def collect(case: schemathesis.Case) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # An operation without parameters or body has no invalid input to generate.
    return cases


def fuzz(app: Flask, wanted: Callable[[Any], bool], headers: dict[str, str] | None = None) -> tuple[list[str], int]:
    """Send generated requests to every wanted operation in both modes; return the failed checks and the call count."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not wanted(operation):
            continue
        for mode, examples in EXAMPLES.items():
            checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
            for case in generated_cases(operation, mode, examples):
                calls += 1
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except FailureGroup as exc:  # failed checks: keep going, report them all at the end
                    reasons = "; ".join(f"{type(f).__name__}: {f.title} ({' '.join(f.message.split())})" for f in exc.exceptions)
                    failures.append(f"{operation.label} [{mode.value}] {response.status_code}: {reasons[:600]}\n"
                                    f"    {case.as_curl_command()[:400]}")
    return failures, calls


@pytest.fixture()
def unlimited(corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    # The fuzzer makes hundreds of calls a minute: no limit for it, and nobody else's counts touched.
    monkeypatch.setitem(corpus_app.extensions, "kb_rate_limiter", MemoryRateLimiter())
    monkeypatch.setitem(corpus_app.config, "KB_RATE_LIMIT_PER_MINUTE", 0)
    return corpus_app


@pytest.mark.slow
def test_read_operations_never_fail_on_the_server_and_answer_as_documented(unlimited: Flask) -> None:
    failures, calls = fuzz(unlimited, lambda op: op.method.upper() == "GET")
    assert calls > 100
    assert failures == [], "\n".join(failures)


def test_creating_records_with_generated_bodies_never_fails_on_the_server(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        editor = create_user(session, email="editor@example.org", password="a long enough password", role="editor")
        _token, secret = create_token(session, editor, "fuzzer")
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 0
    failures, calls = fuzz(app, lambda op: op.method.upper() == "POST", headers={"Authorization": f"Bearer {secret}"})
    assert calls >= 10
    assert failures == [], "\n".join(failures)
