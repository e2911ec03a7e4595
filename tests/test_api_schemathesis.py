"""Property-based run of schemathesis against the app: requests generated from the OpenAPI document, zero server errors."""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation
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
from kb_app.rate_limit import WindowRateLimiter

# Bounded so that the whole run stays well under a minute on a busy two-core machine.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
# The target: at least 1,000 generated requests with zero server errors (the slow run below).
THOROUGH = {GenerationMode.POSITIVE: 90, GenerationMode.NEGATIVE: 60}
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


def query_valid_as_sent(document: dict[str, Any], operation: Any, case: schemathesis.Case, sent_url: str) -> bool:
    """Whether a negative case whose only invalid part was its query reached the server as a valid query after all.

    Schemathesis judges such a case by the generated values, not by the text sent: `theme=False` (a boolean where
    an array of slugs is expected) goes out as `theme=false`, which is a valid slug, so accepting it is right.
    Here the query string as sent is read back and checked against the document, as the server reads it."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.QUERY) or any(
            meta.is_negative_at(other) for other in ParameterLocation if other is not ParameterLocation.QUERY):
        return False
    declared = {p["name"]: p for p in document["paths"][operation.path][operation.method.lower()].get("parameters", [])
                if p["in"] == "query"}
    sent = parse_qs(urlsplit(sent_url).query, keep_blank_values=True)
    if any(p.get("required") and name not in sent for name, p in declared.items()):
        return False
    for name, texts in sent.items():
        param = declared.get(name)
        if param is None:
            return False
        schema = param["schema"]
        if schema.get("type") == "array":
            value: Any = texts
        elif len(texts) != 1:
            return False
        elif texts == [""] and param.get("allowEmptyValue"):
            continue
        elif schema.get("type") == "integer":
            if not re.fullmatch(r"[+-]?\d+", texts[0]):
                return False
            value = int(texts[0])
        elif schema.get("type") == "boolean":
            if texts[0] not in ("true", "false"):
                return False
            value = texts[0] == "true"
        else:
            value = texts[0]
        if not jsonschema.Draft202012Validator(schema).is_valid(value):
            return False
    return True


def fuzz(app: Flask, wanted: Callable[[Any], bool], headers: dict[str, str] | None = None,
         examples_per_mode: dict[GenerationMode, int] | None = None,
         valid_as_sent: list[str] | None = None) -> tuple[list[str], int]:
    """Send generated requests to every wanted operation in both modes; return the failed checks and the call count
    (negative cases that went out as valid requests are not failures; `valid_as_sent` collects them)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not wanted(operation):
            continue
        for mode, examples in (examples_per_mode or EXAMPLES).items():
            checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
            for case in generated_cases(operation, mode, examples):
                calls += 1
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except FailureGroup as exc:  # failed checks: keep going, report them all at the end
                    if (all(isinstance(f, AcceptedNegativeData) for f in exc.exceptions)
                            and query_valid_as_sent(document, operation, case, response.request.url)):
                        if valid_as_sent is not None:
                            valid_as_sent.append(case.as_curl_command())
                        continue
                    reasons = "; ".join(f"{type(f).__name__}: {f.title} ({' '.join(f.message.split())})" for f in exc.exceptions)
                    failures.append(f"{operation.label} [{mode.value}] {response.status_code}: {reasons[:600]}\n"
                                    f"    {case.as_curl_command()[:400]}")
    return failures, calls


@pytest.fixture()
def unlimited(corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    # The fuzzer makes hundreds of calls a minute: no limit for it, and nobody else's counts touched.
    monkeypatch.setitem(corpus_app.extensions, "kb_rate_limiter", WindowRateLimiter())
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


@pytest.mark.slow
def test_a_thousand_generated_requests_cause_no_server_error(unlimited: Flask, app: Flask) -> None:
    """Every operation, both modes, many examples: reads on the corpus, record creation on an empty base of its own."""
    started = time.monotonic()
    valid_as_sent: list[str] = []
    read_failures, read_calls = fuzz(unlimited, lambda op: op.method.upper() == "GET", examples_per_mode=THOROUGH,
                                     valid_as_sent=valid_as_sent)
    with app.app_context():
        session = get_session()
        editor = create_user(session, email="editor@example.org", password="a long enough password", role="editor")
        _token, secret = create_token(session, editor, "fuzzer")
    app.config["KB_RATE_LIMIT_PER_MINUTE"] = 0
    write_failures, write_calls = fuzz(app, lambda op: op.method.upper() != "GET",
                                       headers={"Authorization": f"Bearer {secret}"}, examples_per_mode=THOROUGH,
                                       valid_as_sent=valid_as_sent)
    calls = read_calls + write_calls
    failures = read_failures + write_failures
    print(f"\nschemathesis: {calls} requests ({read_calls} reads, {write_calls} writes), {len(failures)} failures, "
          f"{len(valid_as_sent)} negative cases that went out as valid requests, {time.monotonic() - started:.0f} s")
    assert calls >= 1000, f"only {calls} requests were generated"
    assert failures == [], f"{len(failures)} of {calls} requests failed:\n" + "\n".join(failures)
