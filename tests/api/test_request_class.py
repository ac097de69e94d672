"""The app's request class keeps Quart's meaning of ``blueprints``, computed once per request."""

from __future__ import annotations

from quart import request
from quart.globals import request_ctx

from class_management_service.app import create_app
from class_management_service.config import Settings


def _app_settings() -> Settings:
    return Settings(use_mock_repository=True, kafka_bootstrap_servers="", redis_url="", log_level="WARNING")


async def test_a_matched_route_has_its_blueprint_names_computed_once() -> None:
    app = create_app(_app_settings())

    async with app.test_request_context("/v1/classes/students/0b4f2a9e-2f4e-4c35-9f53-1f0d7f3c2a11"):
        assert request.blueprints == ["students"]
        assert vars(request_ctx.request)["blueprints"] == ["students"]  # kept after one read


async def test_an_unmatched_path_and_an_app_level_route_have_no_blueprint() -> None:
    app = create_app(_app_settings())

    async with app.test_request_context("/no/such/path"):
        assert request.blueprints == []
    async with app.test_request_context("/openapi.json"):
        assert request.endpoint == "openapi"
        assert request.blueprints == []
