"""Property-based fuzzing of every documented operation: no 5xx, every error is the JSON envelope.

Cases are drawn from the app's own ``/openapi.json`` with a fixed seed, then sent through the Quart
test client on the test's event loop (schemathesis' ASGI transport would run the app on a loop of
its own, which the app's database pool cannot share).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import CHECKS as ALL_CHECKS
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response as SchemathesisResponse
from schemathesis.specs.openapi.checks import negative_data_rejection
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.api.conftest import ERROR_KEYS, INTERNAL_KEY, Api
from tests.api.matching import Candidate, seed_batch

MAX_EXAMPLES = 60
# Every registered check; negative_data_rejection only for negative cases (added per run below).
CHECKS: list[Any] = [check for check in ALL_CHECKS.get_all() if check is not negative_data_rejection]
BASE_URL = "http://localhost"
IMPORT_PATH = "/v1/classes/students/import"
AnyCase = Case[Any]


@dataclass(frozen=True)
class Finding:
    """One request the API answered wrongly, with what to paste into a terminal to replay it."""

    operation: str
    status: int
    problem: str
    curl: str
    body: str

    def __str__(self) -> str:
        return f"{self.operation} -> {self.status}: {self.problem}\n  {self.curl}\n  {self.body[:600]}"


def _draw(strategy: Any, seed_name: str) -> list[AnyCase]:
    """A fixed, bounded list of cases from a strategy (derandomised: the same on every run)."""
    cases: list[AnyCase] = []

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: AnyCase) -> None:
        cases.append(case)

    collect.__qualname__ = f"collect[{seed_name}]"
    try:
        collect()
    except Unsatisfiable:
        return []  # nothing to negate: no body, query or path parameter (the identity header is fixed)
    return cases


async def _send(api: Api, case: AnyCase) -> tuple[requests.PreparedRequest, SchemathesisResponse]:
    """Serialises the case exactly as schemathesis would for HTTP, and replays it in-process.

    A generated ``Idempotency-Key`` is made unique per case: hypothesis repeats small values, and a
    key reused with another body is rightly a 422 (a client's keys are unique by contract). A
    generated ``If-Match`` becomes ``*``: an ETag is opaque, so a made-up one is rightly a 412."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    if case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = "*"
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
    ).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    assert body is None or isinstance(body, bytes)
    request: dict[str, Any] = {"method": prepared.method or "GET", "headers": dict(prepared.headers)}
    response = await api.client.open(prepared.path_url, data=body, **request)
    content = await response.get_data()
    assert isinstance(content, bytes)
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    wrapped = SchemathesisResponse(
        status_code=response.status_code,
        headers=headers,
        content=content,
        request=prepared,
        elapsed=0.0,
        verify=False,
    )
    return prepared, wrapped


def _envelope_problem(response: SchemathesisResponse) -> str | None:
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return "error body is not JSON"
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return "error body is not the envelope"
    if set(body["error"]) != ERROR_KEYS:
        return f"error envelope has keys {sorted(body['error'])}"
    if "Traceback" in response.content.decode(errors="replace"):
        return "error body leaks a traceback"
    return None


async def _check(api: Api, case: AnyCase, extra_checks: list[Any]) -> list[Finding]:
    _, response = await _send(api, case)
    problems: list[str] = []
    envelope_problem = _envelope_problem(response)
    if envelope_problem:
        problems.append(envelope_problem)
    try:
        case.validate_response(response, checks=[*CHECKS, *extra_checks])
    except FailureGroup as group:
        problems += [failure.title for failure in group.exceptions]
    except Failure as failure:
        problems.append(failure.title)
    text = response.content.decode(errors="replace")
    return [
        Finding(case.operation.label, response.status_code, problem, case.as_curl_command(), text)
        for problem in problems
    ]


def _is_valid(case: AnyCase) -> bool:
    """Rules JSON Schema cannot state (both documented in descriptions): a cursor is opaque (only a
    previous page's ``next_cursor`` is one), and an essay listed twice must carry one decision.
    Generated cases breaking them are rightly a 400 and would fail ``positive_data_acceptance``."""
    if (case.query or {}).get("cursor"):
        return False
    body = case.body if isinstance(case.body, dict) else {}
    associations = body.get("associations")
    if isinstance(associations, list):
        decisions: dict[object, set[object]] = {}
        for item in associations:
            if isinstance(item, dict):
                decisions.setdefault(item.get("essay_id"), set()).add(
                    (item.get("confirmed"), item.get("student_id"))
                )
        return all(len(seen) == 1 for seen in decisions.values())
    return _is_not_a_rejected_import(case)


def _is_not_a_rejected_import(case: AnyCase) -> bool:
    """The import's documented 400s for input its schema allows: an option given both in the JSON
    body and the query, and an atomic import with an invalid row (generated rows mostly are).
    Also applied to negative runs: a "negative" case whose only change is an extra header is
    checked as a positive one."""
    if case.operation.path != IMPORT_PATH:
        return True
    query = case.query or {}
    body = case.body if isinstance(case.body, dict) else {}
    if set(query) & set(body):
        return False
    return body.get("atomic") is not True and str(query.get("atomic")).lower() != "true"


def _valid_only(strategy: Any) -> Any:
    return strategy.filter(_is_valid)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in /openapi.json: {keys}"
    return dict(pairs)


async def _schema(api: Api) -> OpenApiSchema:
    raw = await (await api.client.get("/openapi.json")).get_data(as_text=True)
    document = json.loads(raw, object_pairs_hook=_no_duplicate_keys)  # browsers' parsers refuse them
    return schemathesis.openapi.from_dict(document)


async def test_fuzzed_requests_never_get_a_server_error_when_sent_to_every_operation(api: Api) -> None:
    schema = await _schema(api)
    school_class = await api.create_class()
    student = await api.create_student(email="fuzz@example.com", class_ids=[school_class["id"]])
    batch = await seed_batch(api, school_class, [Candidate(student, 0.9)], [])
    existing = {
        "class_id": school_class["id"],
        "student_id": student["id"],
        "batch_id": batch.batch_id,
        "essay_id": batch.essay_ids[0],
    }
    teacher = {"X-User-ID": api.user}
    service = {"X-Internal-API-Key": INTERNAL_KEY, "X-Service-ID": "fuzz"}
    findings: list[Finding] = []
    sent = 0

    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        path_names = {p.name for p in operation.path_parameters}
        identity = service if operation.path.startswith("/internal/") else teacher
        runs: list[tuple[str, Any, list[Any]]] = [
            (
                "positive",
                _valid_only(operation.as_strategy(GenerationMode.POSITIVE, headers=identity)),
                [],
            ),
            (
                "negative",
                operation.as_strategy(GenerationMode.NEGATIVE, headers=identity).filter(
                    _is_not_a_rejected_import
                ),
                [negative_data_rejection],
            ),
        ]
        if path_names:
            fixed = {name: existing[name] for name in path_names}
            strategy = _valid_only(
                operation.as_strategy(GenerationMode.POSITIVE, headers=identity, path_parameters=fixed)
            )
            runs.append(("existing", strategy, []))
        for mode, strategy, extra_checks in runs:
            for case in _draw(strategy, f"{operation.label}:{mode}"):
                findings += await _check(api, case, extra_checks)
                sent += 1

    print(f"schemathesis: {sent} cases, checks {sorted(check.__name__ for check in CHECKS)}")
    assert sent > 300
    assert not findings, "\n".join(str(finding) for finding in findings)
