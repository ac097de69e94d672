"""granian run from a process that has already imported the app: a new worker answers in under a second.

``python -m granian`` imports the application only inside each worker it forks, so a worker
that replaces one that crashed imports Quart, SQLAlchemy, Pydantic and the service again before
it answers (seconds on a busy host), while the listening socket queues requests. Here the
master imports the app module first and starts granian through its Python API: ``MPServer``,
the server the CLI builds (``granian.Granian`` is this class on a GIL build of Python; named
here because fork-inherited imports need process workers). Workers are forked, inherit the imported
modules (shared copy-on-write with the master) and only call the factory. Nothing is built
before the fork: each worker calls ``create_app()`` itself, so engines, pools and clients
belong to one process.
"""

from __future__ import annotations

import importlib
import multiprocessing

from granian.constants import Interfaces, Loops
from granian.log import LogLevels
from granian.server import MPServer

from class_management_service.logging_config import GRANIAN_LOG_DICTCONFIG

APP_FACTORY = "class_management_service.app:create_app"
# Between starting a replacement worker and stopping the one it replaces on a SIGHUP reload.
# A worker that died is replaced at once, whatever this says.
RESPAWN_INTERVAL_S = 0.5


def build_server(host: str, port: int, workers: int, target: str = APP_FACTORY) -> MPServer:
    """The production server: ASGI on uvloop, failed workers respawned, no websockets."""
    return MPServer(
        target,
        address=host,
        port=port,
        interface=Interfaces.ASGI,  # granian's default (RSGI) would answer every Quart request with a 500
        workers=workers,
        loop=Loops.uvloop,
        websockets=False,
        factory=True,
        # A worker that dies (OOM kill, a crash in a C extension) is replaced instead of the
        # master shutting the whole server down. granian gives up (and exits 1) when the same
        # worker dies again within 5.5 s of its replacement: a crash loop is not hidden.
        respawn_failed_workers=True,
        respawn_interval=RESPAWN_INTERVAL_S,
        log_level=LogLevels.info,  # start-up and shutdown lines only; the app writes its own access log
        log_dictconfig=GRANIAN_LOG_DICTCONFIG,
    )


def serve(host: str, port: int, workers: int, target: str = APP_FACTORY) -> None:
    """Import ``target``'s module here, then serve until SIGTERM/SIGINT; returns after a clean stop."""
    importlib.import_module(target.partition(":")[0])
    # granian forks with the interpreter's default start method; on Linux that is fork up to
    # Python 3.13, and granian turns 3.14's forkserver into spawn, which would import the app
    # again in every worker. Fork keeps what was imported above.
    multiprocessing.set_start_method("fork", force=True)
    build_server(host, port, workers, target).serve()
