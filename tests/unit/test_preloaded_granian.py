"""The production server's settings: what ``serve`` hands granian (the process tests show the effects)."""

from __future__ import annotations

import importlib

from granian.constants import Interfaces, Loops

from class_management_service.preloaded_granian import APP_FACTORY, build_server


def test_the_server_respawns_failed_workers_of_the_asgi_app_factory() -> None:
    server = build_server("127.0.0.1", 5002, 3)
    assert (server.target, server.factory, server.interface) == (APP_FACTORY, True, Interfaces.ASGI)
    assert server.respawn_failed_workers
    assert (server.workers, server.loop, server.websockets) == (3, Loops.uvloop, False)
    assert (server.bind_addr, server.bind_port) == ("127.0.0.1", 5002)


def test_the_app_factory_names_an_importable_module_and_callable() -> None:
    module, _, name = APP_FACTORY.partition(":")
    assert callable(getattr(importlib.import_module(module), name))
