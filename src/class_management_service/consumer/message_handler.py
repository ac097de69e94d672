"""One suggestions message, one durable effect: its batch stored exactly once, or its dead letter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import structlog

from class_management_service.consumer.suggestion_parsing import (
    ForeignClass,
    Parsed,
    Rejected,
    parse_suggestions,
)
from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.backoff import Backoff
from class_management_service.domain.consumed_messages import ConsumedMessage, DeadLetter
from class_management_service.domain.errors import ClassManagementError, RepositoryUnavailableError
from class_management_service.error_log import error_fields, type_name
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClockProtocol,
    ConsumerMetricsProtocol,
    DeadLetterStoreProtocol,
    EventsFor,
)

_T = TypeVar("_T")

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class HandlerPorts:
    """What handling a message talks to."""

    associations: AssociationRepositoryProtocol
    dead_letters: DeadLetterStoreProtocol
    clock: ClockProtocol
    metrics: ConsumerMetricsProtocol


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait between attempts while the database fails; ``stopping`` ends the waiting."""

    initial_s: float
    max_s: float
    stopping: asyncio.Event


class SuggestionHandler:
    """Handles one message until its effect is durable; the caller commits its offset only then.

    A database failure is retried with backoff for as long as it lasts (the message is never
    skipped); a message nobody can use is dead-lettered, so it never blocks its partition.
    """

    def __init__(
        self,
        ports: HandlerPorts,
        events: EventsFor[IngestOutcome],
        timeout: timedelta,
        retry: RetryPolicy,
    ) -> None:
        self._ports = ports
        self._events = events
        self._timeout = timeout
        self._retry = retry
        self.last_error: str | None = None

    def parse(self, message: ConsumedMessage) -> Parsed:
        """The message read (pure); ``received_at`` is now, so the deadline counts from arrival."""
        return parse_suggestions(message.value, self._ports.clock.now(), self._timeout)

    async def handle(self, message: ConsumedMessage, parsed: Parsed) -> bool:
        """True once the message's effect committed; False if a stop interrupted the retries."""
        started = time.perf_counter()
        if isinstance(parsed, Rejected):
            outcome = "dead_letter" if await self._dead_letter(message, parsed) else None
        elif isinstance(parsed, ForeignClass):
            log.warning(
                "suggestions_unknown_class",
                batch_id=parsed.batch_id,
                event_id=str(parsed.event_id),
                partition=message.partition,
                offset=message.offset,
            )
            outcome = "unknown_class"
        else:
            outcome = await self._ingest(message, parsed)
        if outcome is None:
            return False
        self._ports.metrics.message_handled(outcome, time.perf_counter() - started)
        return True

    async def _ingest(self, message: ConsumedMessage, batch: SuggestedBatch) -> str | None:
        try:
            stored = await self._durably(
                lambda: self._ports.associations.ingest(batch, self._events), message
            )
        except ClassManagementError as error:  # the repository refused this event for good
            rejected = Rejected("refused", f"the repository refused the event: {error.code}")
            return "dead_letter" if await self._dead_letter(message, rejected) else None
        if stored is None:
            return None
        return self._report(message, stored)

    def _report(self, message: ConsumedMessage, outcome: IngestOutcome) -> str:
        where = {"batch_id": outcome.batch_id, "partition": message.partition, "offset": message.offset}
        if outcome.is_replay:
            log.info("suggestions_replayed", **where)
            return "replay"
        if outcome.dropped_suggestions:
            self._ports.metrics.suggestions_dropped(outcome.dropped_suggestions)
            log.warning("suggestions_dropped", dropped=outcome.dropped_suggestions, **where)
        if not outcome.is_class_found:
            log.warning("suggestions_unknown_class", **where)
            return "unknown_class"
        self._ports.metrics.essays_stored(outcome.stored_essays, outcome.kept_essays)
        return "stored"

    async def _dead_letter(self, message: ConsumedMessage, rejected: Rejected) -> bool:
        letter = DeadLetter(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key,
            value=message.value,
            reason=rejected.reason,
            received_at=self._ports.clock.now(),
        )
        if await self._durably(lambda: _recorded(self._ports.dead_letters, letter), message) is None:
            return False
        self._ports.metrics.dead_lettered(rejected.kind)
        log.warning(
            "suggestions_dead_lettered",
            kind=rejected.kind,
            reason=rejected.reason,
            partition=message.partition,
            offset=message.offset,
        )
        return True

    async def _durably(self, operation: Callable[[], Awaitable[_T]], message: ConsumedMessage) -> _T | None:
        """``operation``'s result once it succeeds; None when a stop came first.

        The database being unavailable (and any error that is not a refusal) is waited out with
        backoff for as long as it lasts: the message is never skipped.
        """
        backoff = Backoff(self._retry.initial_s, self._retry.max_s)
        while True:
            try:
                result = await operation()
            except RepositoryUnavailableError as error:
                failure: Exception = error
            except ClassManagementError:
                raise  # a refusal: trying again would get the same answer
            except Exception as error:  # noqa: BLE001 - unknown, maybe passing: wait, try again
                failure = error
            else:
                self.last_error = None
                return result
            self.last_error = type_name(failure)
            self._ports.metrics.database_failed()
            log.error(
                "suggestions_store_failed",
                partition=message.partition,
                offset=message.offset,
                attempt=backoff.failures + 1,
                **error_fields(failure),
            )
            if await _stopped_within(self._retry.stopping, backoff.next_delay()):
                return None


async def _recorded(store: DeadLetterStoreProtocol, letter: DeadLetter) -> bool:
    await store.record(letter)
    return True


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True
