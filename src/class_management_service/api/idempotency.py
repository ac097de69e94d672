"""``Idempotency-Key`` on POSTs that write: a retry replays the first response instead of writing again.

The route passes ``idempotent_write(...)`` to its service call, so the repository completes the
key with the response inside the write's own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import orjson
from quart import Response, g, request

from class_management_service.api.errors import RequestValidationError
from class_management_service.api.presenters import Body
from class_management_service.api.request_context import current_actor
from class_management_service.domain.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyClaim,
    IdempotentWrite,
    StoredResponse,
    is_key_valid,
    request_hash,
)
from class_management_service.services.idempotency_service import IdempotencyService

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENT_ATTRIBUTE = "_cms_idempotent"
"""Set on handlers ``idempotent`` wraps, so the OpenAPI document lists the key and its statuses."""

P = ParamSpec("P")
T = TypeVar("T")


def idempotent(handler: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """Claim the request's key before the handler runs, or answer with the first response.

    Goes below ``json_body``: only a valid body claims a key, so a 400 never uses one up.
    """

    @wraps(handler)
    async def keyed(*args: P.args, **kwargs: P.kwargs) -> Response:
        key = request.headers.get(KEY_HEADER)
        if key is None:
            return await handler(*args, **kwargs)
        if not is_key_valid(key):
            raise _invalid_key()
        keys: IdempotencyService = await g.dishka_container.get(IdempotencyService)
        claim, first = await keys.begin(current_actor(), key, await _request_hash())
        if first is not None:
            return _reply(first, is_replayed=True)
        g.idempotency_claim = claim
        try:
            return await handler(*args, **kwargs)
        except BaseException:
            await keys.release(claim)  # completed keys stay: release only deletes a claim in flight
            raise

    setattr(keyed, IDEMPOTENT_ATTRIBUTE, True)
    return keyed


def idempotent_write(body: Callable[[T], Body], status: int) -> IdempotentWrite[T] | None:
    """What the write records with its key (None without one): the response the handler will send."""
    claim: IdempotencyClaim | None = g.get("idempotency_claim")
    if claim is None:
        return None
    return IdempotentWrite(
        claim, lambda outcome: StoredResponse(status, orjson.dumps(body(outcome)).decode())
    )


def _reply(stored: StoredResponse, *, is_replayed: bool) -> Response:
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    if is_replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


async def _request_hash() -> str:
    """Same route, same path parameters, same query parameters and the same body (a JSON body's key
    order aside; any other body, e.g. a CSV, byte for byte) is the same request."""
    raw: bytes | None = g.get("received_body")  # a handler that took the body from the request
    if raw is None:
        raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    if not request.is_json:
        body = raw
    else:
        body = orjson.dumps(orjson.loads(raw), option=orjson.OPT_SORT_KEYS) if raw.strip() else b""
    target: list[object] = [request.endpoint, request.view_args or {}]
    if request.query_string:  # only then, so the hashes of keys stored before stay the same
        # Parameters in any order are the same request; a repeated one keeps its values' order.
        target.append(sorted(request.args.items(multi=True), key=lambda item: item[0]))
    return request_hash(request.method, orjson.dumps(target, option=orjson.OPT_SORT_KEYS).decode(), body)


def _invalid_key() -> RequestValidationError:
    return RequestValidationError(
        f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters",
        [{"loc": ["header", KEY_HEADER], "msg": "invalid idempotency key", "type": "value_error"}],
    )
