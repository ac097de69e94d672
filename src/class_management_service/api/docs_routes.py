"""The documentation's own assets: Swagger UI from a Python package (so /docs works offline) and
the AsyncAPI document of the events. No identity needed, like /openapi.json."""

from __future__ import annotations

from importlib.resources import files

from quart import Blueprint, Response, current_app, send_from_directory
from quart_schema import hide
from werkzeug.exceptions import NotFound

from class_management_service.api.asyncapi import asyncapi_document
from class_management_service.api.presenters import json_reply

docs_bp = Blueprint("docs", __name__)

# swagger-ui-py vendors the Swagger UI 5 dist (OpenAPI 3.1 support); only its two files are served.
_SWAGGER_DIR = str(files("swagger_ui") / "static")
_SWAGGER_ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
SWAGGER_JS_URL = "/docs/assets/swagger-ui-bundle.js"
SWAGGER_CSS_URL = "/docs/assets/swagger-ui.css"
_ONE_DAY = 86_400


@docs_bp.get("/docs/assets/<name>")
@hide
async def swagger_asset(name: str) -> Response:
    if name not in _SWAGGER_ASSETS:
        raise NotFound()
    return await send_from_directory(_SWAGGER_DIR, name, cache_timeout=_ONE_DAY)


@docs_bp.get("/asyncapi.json")
async def asyncapi() -> Response:
    """The AsyncAPI 3 document: every topic published and consumed, with keys, headers and schemas."""
    return json_reply(asyncapi_document(current_app.config["SERVICE_VERSION"]), 200)
