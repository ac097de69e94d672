"""CORS: off by default; with CORS_ALLOWED_ORIGINS set, preflights need no ``X-User-ID`` and only
the configured origins get ``Access-Control-Allow-Origin``, on successes and errors alike."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import Api, Client, api_settings, serving_client
from tests.conftest import unique_user

APP_ORIGIN = "https://app.example.org"
DEV_ORIGIN = "http://localhost:5173"
OTHER_ORIGIN = "https://evil.example.net"


def preflight(origin: str, method: str = "PUT", headers: str = "content-type, x-user-id") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


def cors_headers(headers: object) -> dict[str, str]:
    assert hasattr(headers, "items")
    return {
        name.lower(): value for name, value in headers.items() if name.lower().startswith("access-control-")
    }


@pytest.fixture
async def cors_client(postgres_url: str, clean_pg: AsyncEngine) -> AsyncIterator[Client]:
    settings = api_settings(postgres_url, cors_allowed_origins=f" {APP_ORIGIN}, {DEV_ORIGIN} ")
    async with serving_client(settings) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/v1/classes/",
        f"/v1/classes/{uuid.uuid4()}",
        f"/v1/classes/{uuid.uuid4()}/roster",
        "/v1/classes/students",
    ],
)
async def test_preflight_is_answered_without_user_id_when_origin_is_allowed(
    cors_client: Client, path: str
) -> None:
    response = await cors_client.options(path, headers=preflight(DEV_ORIGIN))

    assert response.status_code == 200
    headers = cors_headers(response.headers)
    assert headers["access-control-allow-origin"] == DEV_ORIGIN
    assert set(headers["access-control-allow-headers"].split(", ")) == {"content-type", "x-user-id"}
    assert set(headers["access-control-allow-methods"].split(", ")) >= {"GET", "POST", "PUT", "DELETE"}
    assert headers["access-control-max-age"] == "600"
    assert "Origin" in response.headers["Vary"]
    assert await response.get_data() == b""


async def test_preflight_allows_only_the_headers_a_browser_may_send(cors_client: Client) -> None:
    asked = preflight(APP_ORIGIN, "POST", "Content-Type, Idempotency-Key, X-Internal-API-Key")

    response = await cors_client.options("/v1/classes/", headers=asked)

    allowed = response.headers["Access-Control-Allow-Headers"].split(", ")
    assert set(allowed) == {"content-type", "idempotency-key"}


async def test_preflight_gets_no_cors_headers_when_origin_is_not_allowed(cors_client: Client) -> None:
    response = await cors_client.options("/v1/classes/", headers=preflight(OTHER_ORIGIN))

    assert cors_headers(response.headers) == {}


async def test_responses_name_an_allowed_origin_and_expose_the_correlation_id(
    cors_client: Client,
) -> None:
    headers = {"Origin": APP_ORIGIN, "X-User-ID": unique_user()}

    response = await cors_client.get("/v1/classes/", headers=headers)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-correlation-id", "etag", "retry-after"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_error_responses_carry_the_origin_so_a_frontend_can_read_them(cors_client: Client) -> None:
    response = await cors_client.get("/v1/classes/", headers={"Origin": APP_ORIGIN})

    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert (await response.get_json())["error"]["code"] == "AUTHENTICATION_ERROR"


async def test_responses_carry_no_cors_headers_when_origin_is_not_allowed(cors_client: Client) -> None:
    headers = {"Origin": OTHER_ORIGIN, "X-User-ID": unique_user()}

    response = await cors_client.get("/v1/classes/", headers=headers)

    assert response.status_code == 200
    assert cors_headers(response.headers) == {}


async def test_preflight_writes_nothing_and_still_needs_user_id_for_the_real_request(
    cors_client: Client, clean_pg: AsyncEngine
) -> None:
    preflight_response = await cors_client.options("/v1/classes/", headers=preflight(APP_ORIGIN, "POST"))
    real = await cors_client.post(
        "/v1/classes/", json={"name": "7A", "course_codes": ["ENG5"]}, headers={"Origin": APP_ORIGIN}
    )

    assert preflight_response.status_code == 200
    assert real.status_code == 401
    async with clean_pg.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT count(*) FROM classes")).scalar_one() == 0


async def test_no_cors_headers_anywhere_when_no_origin_is_configured(api: Api) -> None:
    preflight_response = await api.client.options("/v1/classes/", headers=preflight(APP_ORIGIN))
    response = await api.client.get("/v1/classes/", headers={"Origin": APP_ORIGIN, **api.headers()})

    assert preflight_response.status_code == 200  # Quart's own OPTIONS answer: Allow, nothing more
    assert cors_headers(preflight_response.headers) == {}
    assert cors_headers(response.headers) == {}


@pytest.mark.parametrize(
    "origins",
    [
        "https://app.example.org/",
        "app.example.org",
        "https://a.example.org/path",
        "https://a.example.org,ftp://b",
    ],
)
def test_settings_refuse_an_origin_that_no_browser_would_send(origins: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        api_settings("sqlite+aiosqlite:///unused.db", cors_allowed_origins=origins)
