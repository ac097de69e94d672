"""Backoff for aiokafka's metadata refresh while no broker answers.

aiokafka (checked against 0.14.0, ``aiokafka/client.py`` and ``producer/sender.py``) refreshes
metadata in one background task, ``AIOKafkaClient._md_synchronizer``, which awaits
``client._metadata_update``. When every broker refuses the connection that coroutine fails at
once, and the producer's sender loop, finding a partition without a known leader, asks for the
next refresh straight away: ``retry_backoff_ms`` is not applied on that path, so the pair spins
a core and logs two errors per turn. No setting reaches that loop (``retry_backoff_ms`` paces
produce retries and ``send()``'s wait for metadata, ``metadata_max_age_ms`` the periodic
refresh), hence this wrapper around the private method, reached through ``private_apis``.
``install_metadata_backoff`` fails loudly if a new aiokafka renames it, and
``tests/unit/test_private_apis.py`` checks that the installed version still has it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from class_management_service import private_apis
from class_management_service.domain.backoff import Backoff

INITIAL_DELAY_S = 0.1
MAX_DELAY_S = 2.0

MetadataUpdate = Callable[[Any, Any], Awaitable[bool]]


class MetadataUpdateBackoff:
    """Calls the real refresh; after a failed one, waits (growing, jittered) before reporting it.

    Everything waiting for that refresh (the sender loop, ``send()`` for an unknown topic) waits
    with it, so the retry rate is bounded by the delay; the first success resets it.
    """

    def __init__(self, update: MetadataUpdate, backoff: Backoff) -> None:
        self._update = update
        self._backoff = backoff

    async def __call__(self, cluster_metadata: Any, topics: Any) -> bool:
        is_updated = await self._update(cluster_metadata, topics)
        if is_updated:
            self._backoff.reset()
        else:
            await asyncio.sleep(self._backoff.next_delay())
        return is_updated

    @property
    def failures(self) -> int:
        """Consecutive failed refreshes so far (0 after a success)."""
        return self._backoff.failures


def install_metadata_backoff(
    client: object, initial_s: float = INITIAL_DELAY_S, max_s: float = MAX_DELAY_S
) -> MetadataUpdateBackoff:
    """Wrap ``client._metadata_update`` (an ``AIOKafkaClient``); raise if aiokafka changed it."""
    update = private_apis.aiokafka_metadata_update(client)
    if isinstance(update, MetadataUpdateBackoff):
        return update
    if update is None or not asyncio.iscoroutinefunction(update):
        raise RuntimeError(
            "aiokafka's client has no coroutine _metadata_update() any more: "
            "re-check kafka_metadata_backoff.py against the installed aiokafka"
        )
    wrapper = MetadataUpdateBackoff(update, Backoff(initial_s, max_s))
    private_apis.aiokafka_replace_metadata_update(client, wrapper)
    return wrapper
