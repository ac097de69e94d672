"""The metadata backoff wrapper, against a scripted refresh and against the installed aiokafka."""

from __future__ import annotations

import time

import pytest
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

from class_management_service import private_apis
from class_management_service.domain.backoff import Backoff
from class_management_service.implementations.messaging.kafka_metadata_backoff import (
    MetadataUpdateBackoff,
    install_metadata_backoff,
)


class ScriptedUpdate:
    """A metadata refresh that answers from a script and counts its calls."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self, _cluster: object, _topics: object) -> bool:
        self.calls += 1
        return self.answers.pop(0) if self.answers else False


async def test_a_caller_retrying_at_once_is_paced_by_the_growing_delay() -> None:
    update = ScriptedUpdate()
    wrapper = MetadataUpdateBackoff(update, Backoff(initial_s=0.02, max_s=0.08))
    deadline = time.monotonic() + 0.5

    while time.monotonic() < deadline:  # what aiokafka's sender loop does with no leader known
        assert not await wrapper(None, None)

    # Delays of at least 0.01, 0.02, 0.04, then 0.04 each: a dozen calls at most in 0.5 s.
    assert 3 <= update.calls <= 14
    assert wrapper.failures == update.calls


async def test_a_success_returns_at_once_and_resets_the_delay() -> None:
    update = ScriptedUpdate(False, False, True, False)
    wrapper = MetadataUpdateBackoff(update, Backoff(initial_s=0.01, max_s=1.0))

    assert [await wrapper(None, None) for _ in range(3)] == [False, False, True]
    assert wrapper.failures == 0
    started = time.monotonic()
    assert not await wrapper(None, None)
    assert wrapper.failures == 1
    assert time.monotonic() - started < 0.5  # back to the first step, not the fourth


async def test_installed_on_a_real_client_it_answers_for_the_failing_refresh() -> None:
    client = AIOKafkaClient(bootstrap_servers="127.0.0.1:9")

    wrapper = install_metadata_backoff(client, initial_s=0.05, max_s=0.05)

    assert private_apis.aiokafka_metadata_update(client) is wrapper
    assert install_metadata_backoff(client) is wrapper  # installing twice keeps one wrapper
    started = time.monotonic()
    with pytest.raises(KafkaError):
        await client.fetch_all_metadata()  # no broker known: aiokafka's refresh fails at once
    assert wrapper.failures == 1
    assert time.monotonic() - started >= 0.025  # the wrapper, not aiokafka, answered last


def test_installing_on_something_without_the_method_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="_metadata_update"):
        install_metadata_backoff(object())
