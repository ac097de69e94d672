"""Keep what start-up built out of the garbage collector's full collections."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move every object that exists now to the permanent generation, where collections never look.

    A serving process holds on the order of a hundred thousand objects from start-up (modules,
    the DI graph, routes, schemas), none of which ever becomes garbage, yet CPython's full
    collections walk all of them with the event loop stopped, a pause every request in flight
    waits out. Frozen, a full collection walks only what was allocated since.

    No collection first: start-up leaves next to no garbage, and a full collection of a large
    heap (a test process building many apps) costs more than it frees.
    """
    gc.freeze()


def thaw_startup_objects() -> None:
    """Hand the frozen objects back to the collector: an app that stops serving may be dropped
    (tests build many apps in one process); frozen, its cycles would never be freed."""
    gc.unfreeze()
