"""The stall rule: when a waiting outbox means nobody publishes."""

from __future__ import annotations

import pytest

from class_management_service.domain.outbox_backlog import stall_reason


@pytest.mark.parametrize("oldest_age_s", [None, 0.0, 59.9, 60.0])
def test_outbox_is_not_stalled_while_empty_or_no_older_than_the_limit(oldest_age_s: float | None) -> None:
    assert stall_reason(oldest_age_s, stall_after_s=60.0) is None


def test_outbox_older_than_the_limit_is_stalled_and_the_reason_names_age_and_limit() -> None:
    reason = stall_reason(73.4, stall_after_s=60.0)

    assert reason is not None
    assert reason.startswith("outbox stalled")
    assert "73 s" in reason
    assert "limit 60 s" in reason
