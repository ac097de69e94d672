"""``python -m bench.serve_ceiling WORKERS PORT``: the production server serving the bench's factory.

The same ``preloaded_granian.serve`` that ``python -m class_management_service serve`` calls, so
every server setting is production's; only the factory (create_app plus one ceiling route) and
the port differ.
"""

from __future__ import annotations

import sys

from class_management_service import preloaded_granian
from class_management_service.config import Settings

BENCH_FACTORY = "bench.ceiling_app:create_app"


def main(argv: list[str]) -> None:
    workers, port = (int(value) for value in argv)
    preloaded_granian.serve(Settings().host, port, workers, target=BENCH_FACTORY)


if __name__ == "__main__":
    main(sys.argv[1:])
