"""Every use of a library's private (or undocumented) API, in one place.

Each one is held by an upper version bound in pyproject.toml and exercised by
``tests/unit/test_private_apis.py``, which fails loudly when an upgrade renames, removes or
reshapes it; raise a bound only after that test passes on the new version. Parameters are
typed loosely on purpose: importing this module imports no database library into the API layer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiokafka.conn import create_conn

if TYPE_CHECKING:
    from hypercorn.typing import ASGISendCallable
    from quart.asgi import ASGIHTTPConnection
    from quart.typing import ResponseTypes
    from quart.wrappers import Request


def quart_request_from_scope(connection: ASGIHTTPConnection, send: ASGISendCallable) -> Request:
    """Quart's ``ASGIHTTPConnection._create_request_from_scope``: the Request of this ASGI scope."""
    return connection._create_request_from_scope(send)


async def quart_send_response(
    connection: ASGIHTTPConnection, send: ASGISendCallable, response: ResponseTypes
) -> None:
    """Quart's ``ASGIHTTPConnection._send_response``: send any response the way Quart does."""
    await connection._send_response(send, response)


def flask_response_object(provider: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Flask's ``DefaultJSONProvider._prepare_response_obj``: jsonify's arguments as one object."""
    return provider._prepare_response_obj(args, kwargs)


def sqlalchemy_invalidate_pool(pool: Any, connection: Any, error: BaseException) -> None:
    """SQLAlchemy's ``Pool._invalidate``: what it does itself on a disconnect.

    It recycles every pooled connection opened before ``connection``, as the server likely
    dropped them all; no public API does that for a connection used below SQLAlchemy.
    """
    pool._invalidate(connection, error)


def aiokafka_sender_task(producer: Any) -> asyncio.Task[None] | None:
    """aiokafka's ``AIOKafkaProducer._sender.sender_task``: the task delivering its batches."""
    task: asyncio.Task[None] | None = producer._sender.sender_task
    return task


def aiokafka_mark_closed(producer: Any) -> None:
    """Set aiokafka's ``AIOKafkaProducer._closed`` as ``stop()`` would, without flushing anything."""
    producer._closed = True


async def aiokafka_connection(host: str, port: int, request_timeout_ms: int) -> Any:
    """``aiokafka.conn.create_conn``: one broker connection outside a client (undocumented module)."""
    return await create_conn(host, port, request_timeout_ms=request_timeout_ms)


def aiokafka_metadata_update(client: Any) -> Any:
    """aiokafka's ``AIOKafkaClient._metadata_update``: the coroutine behind every metadata refresh.

    None when an upgrade renamed it. Its ``_md_synchronizer`` task looks it up on the client per
    refresh, so an attribute set on one client replaces it for that client only.
    """
    return getattr(client, "_metadata_update", None)


def aiokafka_replace_metadata_update(client: Any, update: Any) -> None:
    """Set ``AIOKafkaClient._metadata_update`` on one client (see ``aiokafka_metadata_update``)."""
    client._metadata_update = update


def aiokafka_consumer_client(consumer: Any) -> Any:
    """aiokafka's ``AIOKafkaConsumer._client``: the ``AIOKafkaClient`` refreshing its metadata."""
    return consumer._client
