"""A serving app keeps its start-up objects out of full garbage collections, and gives them back."""

from __future__ import annotations

import gc

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from tests.api.conftest import api_settings


async def test_serving_freezes_what_start_up_built_and_stopping_thaws_it(
    clean_pg: AsyncEngine, postgres_url: str
) -> None:
    app = create_app(api_settings(postgres_url))
    gc.unfreeze()  # whatever an earlier test left behind

    async with app.test_app() as served:
        frozen_while_serving = gc.get_freeze_count()
        response = await served.test_client().get("/healthz")

    assert response.status_code == 200
    assert frozen_while_serving > 10_000  # modules, the DI graph, routes and schemas
    assert gc.get_freeze_count() == 0
