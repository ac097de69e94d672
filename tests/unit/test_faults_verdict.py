"""The fault suite's verdict: acknowledged writes against the events consumed from Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from faults.verdict import Event, Write, judge

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CLASS_UPDATED = "huleedu.class.updated.v1"


def write(
    n: int, status: int = 200, *, window: str = "w", entity: str = "e1", retry_after: bool = False
) -> Write:
    return Write(window, entity, f"c{n}", status, n, retry_after)


def event(
    n: int, offset: int, *, topic: str = CLASS_UPDATED, event_id: str = "", partition: int = 0
) -> Event:
    return Event(
        event_id or f"id{n}", f"c{n}", "e1", topic, partition, offset, T0 + timedelta(seconds=offset)
    )


def test_every_acknowledged_write_with_one_event_passes() -> None:
    verdict = judge([write(1), write(2)], [event(1, 0), event(2, 1)])["w"]

    assert (verdict.acknowledged, verdict.events_found) == (2, 2)
    assert (verdict.lost, verdict.duplicated, verdict.out_of_order) == (0, 0, 0)
    assert not verdict.failed


def test_an_acknowledged_write_without_its_event_is_lost() -> None:
    verdict = judge([write(1), write(2)], [event(1, 0)])["w"]

    assert verdict.lost == 1
    assert verdict.failed


def test_the_same_event_id_twice_is_a_duplicate() -> None:
    verdict = judge([write(1)], [event(1, 0), event(1, 1)])["w"]

    assert verdict.duplicated == 1
    assert verdict.events_found == 1
    assert verdict.failed


def test_events_published_against_the_write_order_are_out_of_order() -> None:
    verdict = judge([write(1), write(2)], [event(2, 0), event(1, 1)])["w"]

    assert verdict.out_of_order == 1


def test_an_entity_split_across_partitions_of_one_topic_is_out_of_order() -> None:
    verdict = judge([write(1), write(2)], [event(1, 0), event(2, 1, partition=1)])["w"]

    assert verdict.out_of_order == 1


def test_order_across_topics_follows_the_event_timestamps() -> None:
    created = event(1, 5, topic="huleedu.class.created.v1")
    updated = event(2, 3)  # a lower offset in another topic says nothing; its later timestamp counts
    updated = Event(
        updated.event_id, "c2", "e1", CLASS_UPDATED, 0, 3, created.timestamp + timedelta(seconds=1)
    )

    assert judge([write(1), write(2)], [created, updated])["w"].out_of_order == 0


def test_refusals_are_counted_by_status_and_only_unintended_5xx_fail() -> None:
    writes = [write(1, 503, retry_after=True), write(2, 0), write(3, 409), write(4, 500)]

    verdict = judge(writes, [])["w"]

    assert dict(verdict.refused) == {"503": 1, "no reply": 1, "409": 1, "500": 1}
    assert verdict.server_errors == 1
    assert verdict.lost == 0  # a refused write promised nothing
    assert verdict.failed


def test_an_event_of_an_unacknowledged_write_is_not_a_failure() -> None:
    verdict = judge([write(1, 0)], [event(1, 0)])["w"]

    assert not verdict.failed


def test_each_window_is_judged_on_its_own() -> None:
    writes = [write(1, window="baseline"), write(2, window="kafka", entity="e2")]

    verdicts = judge(writes, [event(1, 0)])

    assert not verdicts["baseline"].failed
    assert verdicts["kafka"].lost == 1
