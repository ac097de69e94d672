"""The production app plus one trivial JSON route: the framework ceiling, measured in the same process.

Served with the production granian command for the whole run, so every scenario and the
ceiling share one server, one set of hooks (correlation id, access log, metrics) and one worker
configuration. The application code itself is untouched.
"""

from __future__ import annotations

from quart import Response

from class_management_service.api.presenters import json_reply
from class_management_service.app import HuleEduApp
from class_management_service.app import create_app as create_production_app

CEILING_PATH = "/bench/ceiling"


def create_app() -> HuleEduApp:
    """granian's ``--factory`` target: ``create_app()`` with the ceiling route added."""
    app = create_production_app()

    @app.get(CEILING_PATH)
    async def ceiling() -> Response:
        # Replies the way every route of the app does (serialised once with orjson).
        return json_reply({"ok": True})

    return app
