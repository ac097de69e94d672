"""The suggestions consumer: fetch a chunk, store each message once, then commit the chunk's offsets."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress
from datetime import timedelta

import structlog

from class_management_service.config import Settings
from class_management_service.consumer.message_handler import HandlerPorts, RetryPolicy, SuggestionHandler
from class_management_service.consumer.suggestion_parsing import ForeignClass, Parsed
from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.backoff import Backoff
from class_management_service.domain.consumed_messages import ConsumedMessage, ConsumerState
from class_management_service.error_log import error_fields, type_name
from class_management_service.protocols import ConsumerMetricsProtocol, EventsFor, MessageSourceProtocol

# One fetch returns at most this many messages; their offsets are committed together.
FETCH_MAX_MESSAGES = 500
# Messages of different batches are stored concurrently, up to this many transactions at once:
# each one waits mostly for its commit's WAL flush, which concurrent commits share.
MAX_CONCURRENT_MESSAGES = 16
FETCH_TIMEOUT_S = 0.5
# On stop, the message being stored may finish and its offset be committed within this margin.
STOP_TIMEOUT_S = 10.0

Partition = tuple[str, int]
_Lane = tuple[object, ...]

log = structlog.get_logger(__name__)


class SuggestionsConsumer:
    """Stores every suggestions message's effect exactly once and never loses one.

    An offset is committed only after its message's transaction committed; a crash in between
    redelivers the message, and the inbox row written in that transaction makes the redelivery
    a replay that changes nothing. Within one fetch, messages of the same batch are stored in
    offset order and different batches concurrently; each partition's offset advances past the
    messages stored without a gap, and the fetch's offsets go to Kafka in one commit.
    """

    def __init__(
        self,
        source: MessageSourceProtocol,
        ports: HandlerPorts,
        events: EventsFor[IngestOutcome],
        settings: Settings,
    ) -> None:
        self._source = source
        self._metrics: ConsumerMetricsProtocol = ports.metrics
        self._stopping = asyncio.Event()
        retry = RetryPolicy(settings.relay_initial_backoff_s, settings.relay_max_backoff_s, self._stopping)
        timeout = timedelta(seconds=settings.association_timeout_s)
        self._handler = SuggestionHandler(ports, events, timeout, retry)
        self._backoff = Backoff(settings.relay_initial_backoff_s, settings.relay_max_backoff_s)
        self._uncommitted: dict[Partition, int] = {}
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_MESSAGES)
        self._task: asyncio.Task[None] | None = None
        self._last_error: str | None = None

    @property
    def state(self) -> ConsumerState:
        return ConsumerState(
            is_running=self._task is not None and not self._task.done(),
            assigned_partitions=self._source.assigned_partitions() if self._source.is_started else (),
            last_error=self._handler.last_error or self._last_error,
        )

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="suggestions-consumer")

    async def stop(self) -> None:
        """Finish the messages being stored, commit their offsets, leave the group."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
        if not done:
            task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    await self.consume_once()
                except Exception as error:  # noqa: BLE001 - a defect: never let it end consuming
                    await self._restart_after(error)
        finally:
            with suppress(Exception):
                await self._commit()
            await self._source.close()

    async def consume_once(self) -> int:
        """One fetch, handled and committed: the number of messages whose effect committed."""
        if not self._source.is_started and not await self._start_source():
            return 0
        try:
            messages = await self._source.fetch(FETCH_TIMEOUT_S, FETCH_MAX_MESSAGES)
        except Exception as error:  # noqa: BLE001 - the broker went away: back off, fetch again
            await self._failed("suggestions_fetch_failed", error)
            return 0
        self._backoff.reset()
        if not messages:
            return 0
        handled = await self._handle(messages)
        await self._commit()
        return handled

    async def _start_source(self) -> bool:
        try:
            await self._source.start()
        except Exception as error:  # noqa: BLE001 - the broker is down: back off, try again
            await self._failed("suggestions_consumer_unavailable", error)
            return False
        log.info("suggestions_consumer_started")
        self._last_error = None
        return True

    async def _handle(self, messages: Sequence[ConsumedMessage]) -> int:
        lanes: dict[_Lane, list[tuple[ConsumedMessage, Parsed]]] = {}
        for message in messages:
            parsed = self._handler.parse(message)
            lanes.setdefault(_lane(message, parsed), []).append((message, parsed))
        stored: set[tuple[Partition, int]] = set()
        await asyncio.gather(*(self._handle_in_order(lane, stored) for lane in lanes.values()))
        self._advance(messages, stored)
        return len(stored)

    async def _handle_in_order(
        self, lane: list[tuple[ConsumedMessage, Parsed]], stored: set[tuple[Partition, int]]
    ) -> None:
        for message, parsed in lane:
            async with self._slots:
                if self._stopping.is_set() or not await self._handler.handle(message, parsed):
                    return
            stored.add(((message.topic, message.partition), message.offset))

    def _advance(self, messages: Sequence[ConsumedMessage], stored: set[tuple[Partition, int]]) -> None:
        """Each partition's next offset: past every message of the fetch stored without a gap."""
        blocked: set[Partition] = set()
        for message in messages:  # in offset order within each partition
            partition = (message.topic, message.partition)
            if partition in blocked:
                continue
            if (partition, message.offset) in stored:
                self._uncommitted[partition] = message.offset + 1
            else:
                blocked.add(partition)

    async def _commit(self) -> None:
        """Commit what was stored; on failure keep it for the next commit (a redelivery is a replay)."""
        if not self._uncommitted or not self._source.is_started:
            return
        assigned = set(self._source.assigned_partitions())
        offsets = {tp: offset for tp, offset in self._uncommitted.items() if tp[1] in assigned}
        self._uncommitted = {}
        if not offsets:
            return
        try:
            await self._source.commit(offsets)
        except Exception as error:  # noqa: BLE001 - a rebalance or an outage: commit with the next chunk
            self._metrics.commit_failed()
            log.warning("suggestions_commit_failed", error_type=type_name(error), partitions=len(offsets))
            for partition, offset in offsets.items():
                self._uncommitted.setdefault(partition, offset)

    async def _restart_after(self, error: Exception) -> None:
        """Leave the group and join again: the fetch position may be past a message not stored,
        and only the committed offsets (never past such a message) are safe to resume from."""
        self._uncommitted = {}
        await self._source.close()
        await self._failed("suggestions_consumer_failed", error)

    async def _failed(self, event: str, error: Exception) -> None:
        self._last_error = type_name(error)
        log.warning(event, **error_fields(error))
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self._backoff.next_delay())


def _lane(message: ConsumedMessage, parsed: Parsed) -> _Lane:
    """Messages naming the same batch keep their order; any other message may go at once."""
    if isinstance(parsed, SuggestedBatch | ForeignClass):
        return ("batch", parsed.batch_id)
    return ("message", message.partition, message.offset)
