"""Judge the evidence: which acknowledged writes lost, doubled or reordered their event. No I/O here.

A write is matched to its event by the correlation id the load sends with each request (the
service copies it into the event envelope), so no response body has to carry an event id.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Write:
    """One write the load sent. ``status`` is the HTTP status, 0 when no reply came."""

    window: str
    entity_id: str
    correlation_id: str
    status: int
    sequence: int  # the order one load thread issued its writes in; one entity stays on one thread
    retry_after: bool = False

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Event:
    """One message consumed from Kafka."""

    event_id: str
    correlation_id: str
    aggregate_id: str
    topic: str
    partition: int
    offset: int
    timestamp: datetime  # the envelope's event_timestamp


@dataclass
class WindowVerdict:
    """Counts for one fault window."""

    acknowledged: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    events_found: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.duplicated or self.out_of_order or self.server_errors)


def refusal_label(write: Write) -> str:
    return "no reply" if write.status == 0 else str(write.status)


def is_server_error(write: Write) -> bool:
    """A 5xx the service did not mean: a 503 with Retry-After is its designed refusal."""
    return write.status >= 500 and not (write.status == 503 and write.retry_after)


def judge(writes: Iterable[Write], events: Iterable[Event]) -> dict[str, WindowVerdict]:
    """Per window: acknowledged writes without exactly one event, duplicate event ids, reordering."""
    writes, events = list(writes), list(events)
    messages_per_id = Counter(event.event_id for event in events)
    by_correlation: dict[str, list[Event]] = defaultdict(list)
    first_copy: dict[str, Event] = {}
    for event in events:
        if event.event_id not in first_copy:
            first_copy[event.event_id] = event
            by_correlation[event.correlation_id].append(event)
    verdicts: dict[str, WindowVerdict] = defaultdict(WindowVerdict)
    matched: dict[str, Event] = {}
    for write in writes:
        verdict = verdicts[write.window]
        if not write.acknowledged:
            verdict.refused[refusal_label(write)] += 1
            verdict.server_errors += is_server_error(write)
            continue
        verdict.acknowledged += 1
        found = by_correlation.get(write.correlation_id, [])
        if not found:
            verdict.lost += 1
            continue
        verdict.events_found += 1
        verdict.duplicated += any(messages_per_id[event.event_id] > 1 for event in found)
        matched[write.correlation_id] = found[0]
    for window, count in _reorders(writes, matched).items():
        verdicts[window].out_of_order += count
    return dict(verdicts)


def _reorders(writes: list[Write], matched: dict[str, Event]) -> Counter[str]:
    """Per entity, in the order the writes were acknowledged: offsets rise within a topic and
    event timestamps never go back. Each break counts against the later write's window."""
    per_entity: dict[str, list[Write]] = defaultdict(list)
    for write in writes:
        if write.acknowledged and write.correlation_id in matched:
            per_entity[write.entity_id].append(write)
    found: Counter[str] = Counter()
    for entity_writes in per_entity.values():
        entity_writes.sort(key=lambda write: write.sequence)
        partition_of: dict[str, int] = {}
        last_offset: dict[str, int] = {}
        last_timestamp: datetime | None = None
        for write in entity_writes:
            event = matched[write.correlation_id]
            partition = partition_of.setdefault(event.topic, event.partition)
            wrong_partition = partition != event.partition
            offset_back = event.offset <= last_offset.get(event.topic, -1)
            time_back = last_timestamp is not None and event.timestamp < last_timestamp
            if wrong_partition or offset_back or time_back:
                found[write.window] += 1
            last_offset[event.topic] = event.offset
            last_timestamp = (
                event.timestamp if last_timestamp is None else max(last_timestamp, event.timestamp)
            )
    return found
