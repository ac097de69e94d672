"""Operations: /healthz, /metrics, the OpenAPI document and UI, and the in-memory mode."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import HuleEduApp
from class_management_service.config import Settings
from tests.api.conftest import (
    Api,
    Client,
    Json,
    api_settings,
    assert_error,
    closed_port_url,
    parse_timestamp,
    serving_client,
)
from tests.conftest import unique_user

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@pytest.fixture
async def unreachable_db_client() -> AsyncIterator[Client]:
    """The SQL app pointed at a local port nobody listens on."""
    async with serving_client(api_settings(closed_port_url(), database_pool_timeout_s=1.0)) as client:
        yield client


@pytest.fixture
async def memory_client() -> AsyncIterator[Client]:
    """USE_MOCK_REPOSITORY, with a database URL that cannot work: memory mode must never touch it."""
    async with serving_client(api_settings(closed_port_url(), use_mock_repository=True)) as client:
        yield client


async def test_healthz_reports_ready_with_outbox_backlog_when_database_reachable(api: Api) -> None:
    school_class = await api.create_class()
    await api.create_student(class_ids=[school_class["id"]])
    await api.client.put(f"/v1/classes/{school_class['id']}", json={"name": "x"}, headers=api.headers())

    response = await api.client.get("/healthz")

    assert response.status_code == 200
    body = await response.get_json()
    assert body["service"] == "class_management_service"
    assert body["status"] == "healthy"
    assert isinstance(body["version"], str)
    assert body["version"]
    assert body["environment"] == "development"
    checks = body["checks"]
    assert checks["database"] == "ok"
    assert checks["outbox"]["pending"] == len(await api.outbox()) == 5  # 3 writes, 2 teacher notifications
    age = checks["outbox"]["oldest_pending_age_s"]
    assert isinstance(age, int | float)
    assert -1 < age < 60  # server-side clock: a few ms of skew against the app is harmless


async def test_healthz_reports_kafka_and_redis_as_disabled_when_not_configured(api: Api) -> None:
    body = await api.get_json("/healthz")

    assert body["checks"]["kafka"] == "disabled"
    assert body["checks"]["redis"] == "disabled"
    assert body["status"] == "healthy"


async def test_healthz_is_503_unhealthy_when_database_unreachable(
    unreachable_db_client: Client,
) -> None:
    response = await unreachable_db_client.get("/healthz")

    assert response.status_code == 503
    body = await response.get_json()
    assert body["status"] == "unhealthy"
    assert body["service"] == "class_management_service"
    assert body["checks"]["database"] == "down"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/v1/classes/", {"name": "9A", "course_codes": ["ENG5"]}, id="create-class"),
        pytest.param("GET", "/v1/classes/", None, id="list-classes"),
        pytest.param("GET", f"/v1/classes/{uuid.uuid4()}", None, id="get-class"),
        pytest.param("GET", f"/v1/classes/{uuid.uuid4()}/roster", None, id="roster"),
        pytest.param(
            "POST",
            "/v1/classes/students",
            {"person_name": {"first_name": "A", "last_name": "B"}, "email": "a@example.com"},
            id="create-student",
        ),
        pytest.param("PUT", f"/v1/classes/students/{uuid.uuid4()}", {"email": None}, id="update-student"),
        pytest.param("GET", "/v1/classes/students?q=a", None, id="list-students"),
    ],
)
async def test_api_routes_answer_503_with_retry_after_when_database_unreachable(
    unreachable_db_client: Client, method: str, path: str, body: Json | None
) -> None:
    correlation_id = str(uuid.uuid4())
    kwargs: dict[str, Any] = {
        "method": method,
        "headers": {"X-User-ID": unique_user(), "X-Correlation-ID": correlation_id},
    }
    if body is not None:
        kwargs["json"] = body

    response = await unreachable_db_client.open(path, **kwargs)

    assert response.status_code == 503, await response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-Correlation-ID"] == correlation_id
    assert_error(await response.get_json(), "SERVICE_UNAVAILABLE", correlation_id)
    assert "Traceback" not in await response.get_data(as_text=True)


async def test_metrics_still_scrape_when_database_unreachable(
    unreachable_db_client: Client,
) -> None:
    await unreachable_db_client.get("/v1/classes/", headers={"X-User-ID": unique_user()})

    response = await unreachable_db_client.get("/metrics")

    assert response.status_code == 200
    requests = _samples(await response.get_data(as_text=True), "cms_http_requests_total")
    assert requests[("GET", "/v1/classes/", "503")] == 1.0


async def test_metrics_label_unknown_methods_other_so_clients_cannot_mint_series(api: Api) -> None:
    for method in ("BREW", "X-PROBE-1", "X-PROBE-2"):
        await api.client.open("/v1/classes/", method=method, headers=api.headers(), json={})

    response = await api.client.get("/metrics")

    requests = _samples(await response.get_data(as_text=True), "cms_http_requests_total")
    methods = {method for method, _, _ in requests}
    assert methods == {"OTHER"}
    assert sum(requests.values()) == 3.0


def _samples(exposition: str, name: str) -> dict[tuple[str, ...], float]:
    """Values of one metric's samples, keyed by their (method, route, status) labels or ()."""
    found: dict[tuple[str, ...], float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                labels = sample.labels
                key = tuple(labels[k] for k in ("method", "route", "status") if k in labels)
                found[key] = sample.value
    return found


async def _doorbell_done(api: Api) -> None:
    """Wait until the outbox doorbell's NOTIFY after the last write has given its connection back."""
    app = api.client.app
    assert isinstance(app, HuleEduApp)
    pool: Any = app.database_engine.sync_engine.pool
    for _ in range(500):
        if pool.checkedout() == 0:
            return
        await asyncio.sleep(0.01)


async def test_metrics_count_requests_by_route_template_and_domain_creations_when_traffic_served(
    api: Api,
) -> None:
    school_class = await api.create_class()
    await api.get_json(f"/v1/classes/{school_class['id']}")
    await api.get_json(f"/v1/classes/{school_class['id']}")
    await api.client.get(f"/v1/classes/{uuid.uuid4()}", headers=api.headers())
    student = await api.create_student(class_ids=[school_class["id"]])
    await api.get_json(f"/v1/classes/students/{student['id']}")
    await api.create_student(email="second@example.com")
    await api.client.get(f"/v1/nothing/{uuid.uuid4()}")
    await _doorbell_done(api)

    response = await api.client.get("/metrics")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    exposition = await response.get_data(as_text=True)
    requests = _samples(exposition, "cms_http_requests_total")
    assert requests[("POST", "/v1/classes/", "201")] == 1.0
    assert requests[("GET", "/v1/classes/<class_id>", "200")] == 2.0
    assert requests[("GET", "/v1/classes/<class_id>", "404")] == 1.0
    assert requests[("POST", "/v1/classes/students", "201")] == 2.0
    assert requests[("GET", "/v1/classes/students/<student_id>", "200")] == 1.0
    routes = {route for _, route, _ in requests}
    assert not any(UUID_PATTERN.search(route) for route in routes), routes
    assert not any(route.startswith("/v1/nothing") for route in routes), routes
    assert _samples(exposition, "cms_classes_created_total") == {(): 1.0}
    assert _samples(exposition, "cms_students_created_total") == {(): 2.0}
    assert "cms_http_request_duration_seconds" in exposition
    assert "cms_outbox_pending" not in exposition  # no relay runs here: the relay process owns it
    assert await _pool_in_use_settles_at_zero(api)  # every connection returned


async def _pool_in_use_settles_at_zero(api: Api) -> bool:
    """The doorbell's NOTIFY after a commit may still hold a connection for a few milliseconds."""
    for _ in range(100):
        exposition = await (await api.client.get("/metrics")).get_data(as_text=True)
        if _samples(exposition, "cms_db_pool_in_use") == {(): 0.0}:
            return True
        await asyncio.sleep(0.05)
    return False


EXPECTED_OPERATIONS = {
    ("post", "/v1/classes/"),
    ("get", "/v1/classes/"),
    ("get", "/v1/classes/{class_id}"),
    ("put", "/v1/classes/{class_id}"),
    ("delete", "/v1/classes/{class_id}"),
    ("get", "/v1/classes/{class_id}/roster"),
    ("post", "/v1/classes/students"),
    ("get", "/v1/classes/students"),
    ("get", "/v1/classes/students/{student_id}"),
    ("put", "/v1/classes/students/{student_id}"),
    ("delete", "/v1/classes/students/{student_id}"),
    ("get", "/healthz"),
    ("get", "/metrics"),
}


async def test_openapi_document_is_valid_openapi_3_listing_every_route_when_fetched(api: Api) -> None:
    response = await api.client.get("/openapi.json")

    assert response.status_code == 200
    document = await response.get_json()
    assert document["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(document).validate()
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations >= EXPECTED_OPERATIONS, EXPECTED_OPERATIONS - operations
    paths = document["paths"]
    assert "requestBody" in paths["/v1/classes/"]["post"]
    assert "requestBody" in paths["/v1/classes/students/{student_id}"]["put"]
    get_class = paths["/v1/classes/{class_id}"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter for parameter in get_class}
    assert by_name["class_id"]["schema"]["format"] == "uuid"
    assert by_name["X-User-ID"]["required"] is True
    assert "200" in paths["/v1/classes/"]["get"]["responses"]


async def test_docs_serve_an_html_ui_for_the_document_when_fetched(api: Api) -> None:
    response = await api.client.get("/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = await response.get_data(as_text=True)
    assert "/openapi.json" in page
    assert "swagger-ui" in page


def _normalise(value: Any, ids: dict[str, str]) -> Any:
    """Replaces ids by their order of appearance and timestamps by a marker, so modes compare."""
    if isinstance(value, dict):
        return {key: _normalise(item, ids) for key, item in value.items() if key != "oldest_pending_age_s"}
    if isinstance(value, list):
        return [_normalise(item, ids) for item in value]
    if isinstance(value, str):
        try:
            parse_timestamp(value)
        except (AssertionError, ValueError):
            return UUID_PATTERN.sub(lambda match: ids.setdefault(match.group(0), f"<id{len(ids)}>"), value)
        return "<timestamp>"
    return value


async def _round_trip(client: Client, user: str) -> list[tuple[str, int, Any]]:
    """create → get → update → list → delete of a class and a student, as (step, status, body)."""
    headers = {"X-User-ID": user}
    transcript: list[tuple[str, int, Any]] = []
    ids: dict[str, str] = {}

    async def call(step: str, method: str, path: str, body: Json | None = None) -> Any:
        kwargs: dict[str, Any] = {"method": method, "headers": headers}
        if body is not None:
            kwargs["json"] = body
        response = await client.open(path, **kwargs)
        payload = await response.get_json()
        transcript.append((step, response.status_code, _normalise(payload, ids)))
        return payload

    created = await call("create class", "POST", "/v1/classes/", {"name": "Smoke", "course_codes": ["ENG5"]})
    class_path = f"/v1/classes/{created['id']}"
    await call("get class", "GET", class_path)
    await call("update class", "PUT", class_path, {"name": "Smoke 2"})
    await call("list classes", "GET", "/v1/classes/")
    student = await call(
        "create student",
        "POST",
        "/v1/classes/students",
        {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}, "class_ids": [created["id"]]},
    )
    student_path = f"/v1/classes/students/{student['id']}"
    await call("get student", "GET", student_path)
    await call("roster", "GET", f"{class_path}/roster")
    await call("update student", "PUT", student_path, {"email": "ada@example.com", "add_class_ids": []})
    await call("list students", "GET", f"/v1/classes/students?class_id={created['id']}&q=LOVE")
    await call("duplicate email", "POST", "/v1/classes/students", {**_ADA, "email": "ADA@example.com"})
    await call("delete student", "DELETE", student_path)
    await call("delete class", "DELETE", class_path)
    await call("get deleted class", "GET", class_path)
    await call("unknown course", "POST", "/v1/classes/", {"name": "X", "course_codes": ["NOPE"]})
    await call("health", "GET", "/healthz")
    return transcript


_ADA = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}}
ROUND_TRIP_STATUSES = [201, 200, 200, 200, 201, 200, 200, 200, 200, 409, 200, 200, 404, 400, 200]


@pytest.fixture(params=["postgres", "memory"])
def mode_settings(request: pytest.FixtureRequest) -> Settings:
    """The app in SQL mode on the emptied test database, or in the in-memory mode."""
    if request.param == "memory":
        return api_settings(closed_port_url(), use_mock_repository=True)
    request.getfixturevalue("clean_pg")
    postgres_url = request.getfixturevalue("postgres_url")
    assert isinstance(postgres_url, str)
    return api_settings(postgres_url)


async def test_round_trip_answers_as_designed_when_run_in_either_repository_mode(
    mode_settings: Settings,
) -> None:
    async with serving_client(mode_settings) as client:
        transcript = await _round_trip(client, unique_user())

    assert [status for _, status, _ in transcript] == ROUND_TRIP_STATUSES
    bodies = {step: body for step, _, body in transcript}
    assert bodies["update class"]["name"] == "Smoke 2"
    assert bodies["list classes"]["pagination"]["total"] == 1
    assert bodies["roster"]["students"][0]["full_legal_name"] == "Ada Lovelace"
    assert bodies["update student"]["email"] == "ada@example.com"
    assert len(bodies["list students"]["students"]) == 1
    assert bodies["get deleted class"]["error"]["code"] == "CLASS_NOT_FOUND"
    assert bodies["unknown course"]["error"]["code"] == "COURSE_NOT_FOUND"
    assert bodies["health"]["checks"]["database"] == "ok"
    assert bodies["health"]["checks"]["outbox"]["pending"] == 8  # 6 writes, 2 teacher notifications


async def test_round_trip_bodies_are_identical_when_comparing_memory_and_postgres_modes(
    clean_pg: AsyncEngine, postgres_url: str, memory_client: Client
) -> None:
    user = unique_user()
    async with serving_client(api_settings(postgres_url)) as sql_client:
        on_postgres = await _round_trip(sql_client, user)
    in_memory = await _round_trip(memory_client, user)

    assert in_memory == on_postgres
