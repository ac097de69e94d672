"""Python work on thousands of rows at once, without the cyclic garbage collector in the way."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while the block runs; the collector is back on after it.

    Why: a bulk write (a roster import's plan, events and COPY records) allocates a few objects
    per row for tens of thousands of rows. CPython starts a collection every 700 allocations, and
    as those objects age into the older generations its collections walk them again and again, a
    large share of a big import's CPU time, freeing nothing (the rows, results and events hold no
    reference cycles; reference counting frees them). Used around synchronous work, or a COPY fed
    by it (which yields to the event loop only when the socket is full), so little else runs
    under it; reference counting still frees everything acyclic meanwhile, and the next
    collection after the block finds any cycle made during it.

    Nested or concurrent use is safe: only the block that found the collector on turns it back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
