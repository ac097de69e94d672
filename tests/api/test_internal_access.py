"""Internal access by ``X-Internal-API-Key``: off when no key is configured, whatever is presented.

Every route that documents the internal key header is covered; an empty key must never match an
empty ``INTERNAL_API_KEY``, and a blank or padded key never matches a configured one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from quart.wrappers import Response
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import INTERNAL_KEY, Api, api_settings, assert_error, serving_client
from tests.api.matching import Candidate, seed_batch
from tests.conftest import unique_user

KEY_HEADER, SERVICE_HEADER = "X-Internal-API-Key", "X-Service-ID"
# Routes an internal service may call, as ``(method, OpenAPI path)``; checked against the document.
INTERNAL_ROUTES = [
    ("GET", "/v1/classes/{class_id}/roster"),
    ("GET", "/internal/v1/batches/class-info"),
    ("GET", "/internal/v1/batches/validation-status"),
    ("GET", "/internal/v1/batches/{batch_id}/student-names"),
    ("GET", "/internal/v1/associations/essay/{essay_id}"),
]
# The ones a teacher may call too (with X-User-ID); the others are internal only.
TEACHER_ROUTES = {"/v1/classes/{class_id}/roster"}
NOT_CONFIGURED_ATTEMPTS = [
    pytest.param({KEY_HEADER: "", SERVICE_HEADER: "nlp_service"}, id="empty-key"),
    pytest.param({KEY_HEADER: ""}, id="empty-key-no-service"),
    pytest.param({SERVICE_HEADER: "nlp_service"}, id="missing-key"),
    pytest.param({KEY_HEADER: " ", SERVICE_HEADER: "nlp_service"}, id="space-key"),
    pytest.param({KEY_HEADER: "\t", SERVICE_HEADER: "nlp_service"}, id="tab-key"),
    pytest.param({KEY_HEADER: " \t  ", SERVICE_HEADER: "nlp_service"}, id="blank-key"),
    pytest.param({KEY_HEADER: INTERNAL_KEY, SERVICE_HEADER: "nlp_service"}, id="some-key"),
    pytest.param({KEY_HEADER: "", SERVICE_HEADER: ""}, id="both-empty"),
]


@pytest.fixture
async def keyless_api(clean_pg: AsyncEngine, postgres_url: str) -> AsyncIterator[Api]:
    """The app with ``INTERNAL_API_KEY`` left empty: internal access is switched off."""
    async with serving_client(api_settings(postgres_url, internal_api_key="")) as client:
        yield Api(client=client, engine=clean_pg, user=unique_user())


async def _concrete(api: Api, path: str) -> str:
    """The route's URL on a class of the caller's with a student, and a batch of suggestions for it."""
    school_class = await api.create_class()
    student = await api.create_student(class_ids=[school_class["id"]])
    batch = await seed_batch(api, school_class, [Candidate(student, 0.9)])
    url = path.format(class_id=school_class["id"], batch_id=batch.batch_id, essay_id=batch.essay_ids[0])
    return f"{url}?batch_ids={batch.batch_id}"  # routes without a batch_ids query ignore it


async def _call(api: Api, method: str, url: str, headers: dict[str, str]) -> Response:
    kwargs: dict[str, Any] = {"method": method, "headers": headers}
    return await api.client.open(url, **kwargs)


async def test_internal_routes_are_exactly_those_documenting_the_internal_key(api: Api) -> None:
    document = await (await api.client.get("/openapi.json")).get_json()

    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any(parameter["name"] == KEY_HEADER for parameter in operation.get("parameters", []))
    }

    assert documented == set(INTERNAL_ROUTES)


@pytest.mark.parametrize(("method", "path"), INTERNAL_ROUTES)
@pytest.mark.parametrize("headers", NOT_CONFIGURED_ATTEMPTS)
async def test_internal_route_is_401_when_no_key_is_configured(
    keyless_api: Api, method: str, path: str, headers: dict[str, str]
) -> None:
    url = await _concrete(keyless_api, path)
    if path in TEACHER_ROUTES:
        owner_view = await _call(keyless_api, method, url, keyless_api.headers())
        assert owner_view.status_code == 200  # the route itself works: the 401 below is the key's

    response = await _call(keyless_api, method, url, headers)

    assert response.status_code == 401
    assert_error(await response.get_json(), "AUTHENTICATION_ERROR")


@pytest.mark.parametrize(("method", "path"), INTERNAL_ROUTES)
@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param(" ", id="space"),
        pytest.param(f" {INTERNAL_KEY}", id="leading-space"),
        pytest.param(f"{INTERNAL_KEY}\t", id="trailing-tab"),
        pytest.param(INTERNAL_KEY.upper(), id="other-case"),
        pytest.param(INTERNAL_KEY[:-1], id="prefix"),
    ],
)
async def test_internal_route_is_401_when_key_differs_from_the_configured_one(
    api: Api, method: str, path: str, key: str
) -> None:
    url = await _concrete(api, path)
    granted = await _call(api, method, url, {KEY_HEADER: INTERNAL_KEY, SERVICE_HEADER: "svc"})
    assert granted.status_code == 200  # the configured key opens the route

    response = await _call(api, method, url, {KEY_HEADER: key, SERVICE_HEADER: "svc"})

    assert response.status_code == 401
    assert_error(await response.get_json(), "AUTHENTICATION_ERROR")
