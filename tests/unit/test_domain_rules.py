"""Membership deltas and times, and the legal-name default: decided once, in the domain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from class_management_service.domain.memberships import (
    enrolment,
    in_read_order,
    membership_change,
    membership_times,
)
from class_management_service.domain.rules import PersonName

A, B, C, D = (uuid.UUID(f"00000000-0000-4000-8000-00000000000{n}") for n in "abcd")
AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
EARLIER = AT - timedelta(days=1)


def test_membership_times_are_one_microsecond_apart_in_utc() -> None:
    plus_two = AT.astimezone(timezone(timedelta(hours=2)))
    times = membership_times(plus_two, 3)
    assert times == [AT, AT + timedelta(microseconds=1), AT + timedelta(microseconds=2)]
    assert all(t.utcoffset() == timedelta(0) for t in times)


def test_a_naive_time_is_taken_as_utc() -> None:
    assert membership_times(AT.replace(tzinfo=None), 1) == [AT]


def test_enrolment_keeps_request_order() -> None:
    joined = enrolment((C, A, B), AT)
    assert in_read_order(joined) == [C, A, B]


def test_reads_order_by_time_then_class_id() -> None:
    assert in_read_order({B: AT, A: AT, C: EARLIER}) == [C, A, B]


def test_only_real_changes_count_and_the_rest_keep_their_times() -> None:
    change = membership_change({A: EARLIER, B: EARLIER}, adding=(B, C), leaving=(A, D), at=AT)
    assert (change.added, change.removed) == ((C,), (A,))
    assert change.joined == {C: AT}
    assert change.class_ids == (B, C)


def test_an_id_both_added_and_removed_is_judged_against_the_memberships_before() -> None:
    joined_before = membership_change({A: EARLIER}, adding=(A,), leaving=(A,), at=AT)
    new_class = membership_change({}, adding=(A,), leaving=(A,), at=AT)
    assert (joined_before.added, joined_before.removed, joined_before.class_ids) == ((), (A,), ())
    assert (new_class.added, new_class.removed, new_class.class_ids) == ((A,), (), (A,))


def test_added_classes_follow_the_kept_ones_in_request_order() -> None:
    change = membership_change({D: EARLIER}, adding=(C, A, B), leaving=(), at=AT)
    assert change.class_ids == (D, C, A, B)
    assert change.added_at == tuple(membership_times(AT, 3))


def test_no_change_leaves_the_memberships_as_they_were() -> None:
    change = membership_change({A: EARLIER}, adding=(), leaving=(B,), at=AT)
    assert (change.added, change.removed, change.class_ids, change.joined) == ((), (), (A,), {})


def test_the_legal_name_defaults_to_first_and_last_name() -> None:
    assert PersonName("Ada", "Lovelace").legal_or_default == "Ada Lovelace"
    assert PersonName("Ada", "Lovelace", "Augusta Ada King").legal_or_default == "Augusta Ada King"
    assert PersonName("Ada", "").legal_or_default == "Ada"
