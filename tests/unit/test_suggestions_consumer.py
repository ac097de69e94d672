"""The consumer loop with fakes: each message stored once, offsets committed only after that."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from class_management_service.config import Settings
from class_management_service.consumer.message_handler import HandlerPorts
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.errors import AssociationConflictError, RepositoryUnavailableError
from class_management_service.domain.events import OutboxEvent
from tests.fakes import FakeClock
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope
from tests.unit.consumer_fakes import (
    TOPIC,
    FakeAssociations,
    FakeDeadLetters,
    FakeMessageSource,
    RecordingConsumerMetrics,
    eventually,
    message,
)

CLASS_ID = uuid.uuid4()


class Harness:
    def __init__(self, source: FakeMessageSource, known_classes: Sequence[uuid.UUID] = (CLASS_ID,)) -> None:
        self.source = source
        self.associations = FakeAssociations(known_classes)
        self.dead_letters = FakeDeadLetters()
        self.metrics = RecordingConsumerMetrics()
        self.clock = FakeClock()
        self.outcomes: list[IngestOutcome] = []
        settings = Settings(relay_initial_backoff_s=0.001, relay_max_backoff_s=0.005, log_level="CRITICAL")
        ports = HandlerPorts(self.associations, self.dead_letters, self.clock, self.metrics)
        self.consumer = SuggestionsConsumer(source, ports, self._events, settings)

    def _events(self, outcome: IngestOutcome) -> Sequence[OutboxEvent]:
        self.outcomes.append(outcome)
        return []


def _good(
    event_id: uuid.UUID | None = None, class_id: uuid.UUID | str = CLASS_ID, batch_id: str | None = None
) -> bytes:
    results = [match_result("e1", candidate(uuid.uuid4(), 0.9))]
    batch_id = batch_id or f"b-{uuid.uuid4()}"
    return encoded(suggestions_envelope(batch_id, class_id, results, event_id=event_id))


async def test_each_message_is_stored_once_and_the_chunk_commits_each_partitions_next_offset() -> None:
    chunk = [message(0, 5, _good()), message(0, 6, _good()), message(1, 3, _good())]
    harness = Harness(FakeMessageSource(chunk))

    handled = await harness.consumer.consume_once()

    assert handled == 3
    assert len(harness.associations.stored) == 3
    assert harness.source.commits == [{(TOPIC, 0): 7, (TOPIC, 1): 4}]
    assert harness.metrics.counts["message:stored"] == 3
    assert harness.metrics.counts["essays_stored"] == 3


async def test_messages_of_one_batch_are_stored_in_offset_order() -> None:
    event_ids = [uuid.uuid4() for _ in range(5)]
    chunk = [message(0, n, _good(event_id, batch_id="b-same")) for n, event_id in enumerate(event_ids)]
    harness = Harness(FakeMessageSource([*chunk, message(0, 5, _good())]))

    await harness.consumer.consume_once()

    assert [b.event_id for b in harness.associations.stored if b.batch_id == "b-same"] == event_ids
    assert harness.source.commits == [{(TOPIC, 0): 6}]


async def test_an_offset_never_moves_past_a_message_not_yet_stored() -> None:
    chunk = [message(0, 0, _good(batch_id="b-stuck")), message(0, 1, _good()), message(1, 0, _good())]
    harness = Harness(FakeMessageSource(chunk))
    harness.associations.failing_batches = {"b-stuck"}
    harness.consumer.start()
    await eventually(lambda: len(harness.associations.stored) == 2)  # stored around the stuck one

    await harness.consumer.stop()

    assert harness.source.committed() == {(TOPIC, 1): 1}


async def test_a_poison_message_is_dead_lettered_and_the_message_after_it_is_stored() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, b"not json at all"), message(0, 1, _good())]))

    await harness.consumer.consume_once()

    (letter,) = harness.dead_letters.letters
    assert (letter.topic, letter.partition, letter.offset) == (TOPIC, 0, 0)
    assert (letter.key, letter.value, letter.reason) == (
        b"key",
        b"not json at all",
        "the message is not JSON",
    )
    assert letter.received_at == harness.clock.now()
    assert len(harness.associations.stored) == 1
    assert harness.source.commits == [{(TOPIC, 0): 2}]
    assert harness.metrics.counts["dead_letter:not_json"] == 1
    assert harness.metrics.counts["message:dead_letter"] == 1


async def test_a_database_outage_is_retried_until_the_message_is_stored_and_only_then_committed() -> None:
    harness = Harness(FakeMessageSource([message(2, 9, _good())]))
    harness.associations.failures = 3

    await harness.consumer.consume_once()

    assert len(harness.associations.stored) == 1
    assert harness.metrics.counts["database_failed"] == 3
    assert harness.source.commits == [{(TOPIC, 2): 10}]


async def test_the_repositorys_unavailable_error_is_waited_out_never_dead_lettered() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good())]))
    harness.associations.failures = 2
    harness.associations.failure = RepositoryUnavailableError()

    await harness.consumer.consume_once()

    assert len(harness.associations.stored) == 1
    assert harness.dead_letters.letters == []
    assert harness.source.commits == [{(TOPIC, 0): 1}]


async def test_a_refusal_by_the_repository_is_dead_lettered() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good())]))
    harness.associations.failures = 1
    harness.associations.failure = AssociationConflictError(["e1"])

    await harness.consumer.consume_once()

    (letter,) = harness.dead_letters.letters
    assert letter.reason == "the repository refused the event: ASSOCIATION_ALREADY_DECIDED"
    assert harness.source.commits == [{(TOPIC, 0): 1}]


async def test_a_defect_while_handling_makes_the_consumer_rejoin_instead_of_ending() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, b"{}")], [message(0, 0, b"{}")]))
    harness.dead_letters.failures = 1
    harness.dead_letters.failure = AssociationConflictError(["x"])  # a refusal where none is expected
    harness.consumer.start()
    await eventually(lambda: len(harness.dead_letters.letters) == 1)

    await harness.consumer.stop()

    assert harness.source.starts == 2  # closed after the defect, joined again
    assert harness.source.committed() == {(TOPIC, 0): 1}


async def test_a_dead_letter_store_outage_is_retried_too() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, b"{}")]))
    harness.dead_letters.failures = 2

    await harness.consumer.consume_once()

    assert [letter.offset for letter in harness.dead_letters.letters] == [0]
    assert harness.source.commits == [{(TOPIC, 0): 1}]


async def test_a_stop_during_an_outage_commits_nothing_for_that_message_and_closes() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good()), message(1, 0, _good())]))
    harness.associations.failures = 10**9
    harness.consumer.start()
    await eventually(lambda: harness.metrics.counts["database_failed"] >= 4)

    await harness.consumer.stop()

    assert harness.associations.stored == []
    assert harness.source.commits == []
    assert harness.source.is_closed


async def test_replays_and_unknown_classes_are_counted_and_committed() -> None:
    event_id = uuid.uuid4()
    chunk = [
        message(0, 0, _good(event_id)),
        message(0, 1, _good(event_id)),
        message(0, 2, _good(class_id=uuid.uuid4())),
        message(0, 3, _good(class_id="not-a-uuid")),
    ]
    harness = Harness(FakeMessageSource(chunk))

    await harness.consumer.consume_once()

    counts = harness.metrics.counts
    assert (counts["message:stored"], counts["message:replay"], counts["message:unknown_class"]) == (1, 1, 2)
    assert len(harness.associations.stored) == 1
    assert harness.source.commits == [{(TOPIC, 0): 4}]


async def test_dropped_suggestions_are_counted() -> None:
    results = [match_result("e1", candidate("S-1", 0.9), candidate(uuid.uuid4(), 0.5))]
    value = encoded(suggestions_envelope("b1", CLASS_ID, results))
    harness = Harness(FakeMessageSource([message(0, 0, value)]))

    await harness.consumer.consume_once()

    assert harness.metrics.counts["dropped"] == 2  # one unparsable, one outside the class (the fake's rule)


async def test_a_failed_commit_is_retried_with_the_next_chunk() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good())], [message(1, 0, _good())]))
    harness.source.commit_failures = 1

    await harness.consumer.consume_once()
    await harness.consumer.consume_once()

    assert harness.metrics.counts["commit_failed"] == 1
    assert harness.source.commits == [{(TOPIC, 0): 1, (TOPIC, 1): 1}]


async def test_offsets_of_partitions_no_longer_assigned_are_not_committed() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good()), message(1, 0, _good())], partitions=(1,)))

    await harness.consumer.consume_once()

    assert harness.source.commits == [{(TOPIC, 1): 1}]


async def test_the_consumer_backs_off_while_kafka_is_down_and_consumes_once_it_is_back() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good())]))
    harness.source.start_failures = 2

    results = [await harness.consumer.consume_once() for _ in range(3)]

    assert results == [0, 0, 1]
    assert harness.source.starts == 3
    assert harness.consumer.state.last_error is None
    assert harness.consumer.state.assigned_partitions == (0, 1, 2)


async def test_a_started_consumer_stores_what_arrives_and_stops_gracefully() -> None:
    harness = Harness(FakeMessageSource([message(0, 0, _good())], [], [message(0, 1, _good())]))
    harness.consumer.start()
    await eventually(lambda: len(harness.associations.stored) == 2)

    await harness.consumer.stop()

    assert harness.source.committed() == {(TOPIC, 0): 2}
    assert harness.source.is_closed
    assert not harness.consumer.state.is_running
