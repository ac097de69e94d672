"""The library internals ``private_apis`` relies on still exist and behave as it assumes.

A failure here after an upgrade means: adapt ``class_management_service/private_apis.py`` (or
drop the workaround) before raising the version bound in pyproject.toml.
"""

from __future__ import annotations

import inspect
from typing import Any

import aiokafka
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.client import AIOKafkaClient
from aiokafka.conn import create_conn
from flask.json.provider import DefaultJSONProvider
from quart import Quart
from quart.asgi import ASGIHTTPConnection
from sqlalchemy.pool import Pool

from class_management_service import private_apis


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_quart_connection_still_builds_the_request_and_sends_responses_privately() -> None:
    assert _parameters(ASGIHTTPConnection._create_request_from_scope) == ["self", "send"]
    assert _parameters(ASGIHTTPConnection._send_response) == ["self", "send", "response"]
    assert inspect.iscoroutinefunction(ASGIHTTPConnection._send_response)


def test_quart_builds_a_request_from_the_scope_through_it() -> None:
    app = Quart(__name__)
    scope: Any = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/classes/",
        "raw_path": b"/v1/classes/",
        "query_string": b"a=1",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-length", b"2")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 5002),
        "extensions": {},
    }

    async def send(_message: Any) -> None:
        return None

    request = private_apis.quart_request_from_scope(ASGIHTTPConnection(app, scope), send)

    assert (request.method, request.path, request.args["a"], request.content_length) == (
        "POST",
        "/v1/classes/",
        "1",
        2,
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [(({"a": 1},), {}, {"a": 1}), ((), {"a": 1}, {"a": 1}), ((1, 2), {}, (1, 2)), ((), {}, None)],
)
def test_flask_still_folds_jsonify_arguments_into_one_object(
    args: tuple[Any, ...], kwargs: dict[str, Any], expected: object
) -> None:
    provider = DefaultJSONProvider(Quart(__name__))
    assert private_apis.flask_response_object(provider, args, kwargs) == expected


def test_sqlalchemy_pools_still_invalidate_by_connection_and_error() -> None:
    assert _parameters(Pool._invalidate)[:3] == ["self", "connection", "exception"]


async def test_aiokafka_producer_still_keeps_its_sender_task_and_closed_flag() -> None:
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1")
    assert private_apis.aiokafka_sender_task(producer) is None  # not started
    assert producer._closed is False
    private_apis.aiokafka_mark_closed(producer)
    assert producer._closed is True
    await producer.stop()  # a closed producer stops without touching the network


def test_aiokafka_still_opens_single_broker_connections() -> None:
    assert inspect.iscoroutinefunction(create_conn)
    assert _parameters(create_conn)[:2] == ["host", "port"]
    assert "request_timeout_ms" in _parameters(create_conn)


async def test_aiokafka_clients_still_refresh_metadata_through_one_replaceable_coroutine() -> None:
    client = AIOKafkaClient(bootstrap_servers="127.0.0.1:9")
    update = private_apis.aiokafka_metadata_update(client)
    assert inspect.iscoroutinefunction(update), f"checked against 0.14.0, found {aiokafka.__version__}"
    assert _parameters(update) == ["cluster_metadata", "topics"]

    private_apis.aiokafka_replace_metadata_update(client, None)

    assert private_apis.aiokafka_metadata_update(client) is None
    assert private_apis.aiokafka_metadata_update(AIOKafkaClient(bootstrap_servers="127.0.0.1:9")) is not None


async def test_aiokafka_consumer_still_holds_its_client_privately() -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:9")
    client = private_apis.aiokafka_consumer_client(consumer)
    assert isinstance(client, AIOKafkaClient)
    assert private_apis.aiokafka_metadata_update(client) is not None
