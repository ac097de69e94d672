"""Entity tags on single resources: ``ETag`` out, ``If-None-Match`` → 304, ``If-Match`` for writes.

A tag is ``"<version>-<digest>"``: the version is the resource's ``updated_at`` in microseconds
(hex), which a conditional write compares under its row lock; the digest covers the whole
representation, so a 304 never hides a change to derived fields such as ``student_count``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import ParamSpec

import orjson
from quart import Response, request

from class_management_service.domain.preconditions import IfMatch

CONDITIONAL_ATTRIBUTE = "_cms_conditional"
"""Set on handlers ``conditional`` wraps, so the OpenAPI document lists their headers and statuses."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TAG = re.compile(r'"([0-9a-f]{1,16})-[0-9a-f]{16}"')
_LIST_ITEM = re.compile(r'\*|(?:W/)?"[^"]*"')
P = ParamSpec("P")


def conditional(handler: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """Tag a single resource's 2xx response; answer a GET whose ``If-None-Match`` holds with 304."""

    @wraps(handler)
    async def tagged(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = await handler(*args, **kwargs)
        if not 200 <= response.status_code < 300:
            return response
        tag = entity_tag(await response.get_data(as_text=False))
        if tag is None:
            return response
        if request.method in {"GET", "HEAD"} and _is_none_match(request.headers.get("If-None-Match"), tag):
            response = Response(status=304)
            del response.headers["Content-Type"]  # a 304 has no content
        response.headers["ETag"] = tag
        return response

    setattr(tagged, CONDITIONAL_ATTRIBUTE, True)
    return tagged


def if_match() -> IfMatch | None:
    """The request's ``If-Match`` as versions; None without one, or for ``*`` (any current version:
    the resource exists, else the write's own 404 answers, RFC 9110 §13.1.1 and §13.2.1)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = _LIST_ITEM.findall(header)
    if "*" in tags:
        return None
    # Weak tags never match (If-Match compares strongly); nor does anything this service did not issue.
    return IfMatch(frozenset(version for tag in tags if (version := _version(tag)) is not None))


def entity_tag(body: bytes) -> str | None:
    """The tag of a resource's JSON representation; None for a body without ``updated_at``."""
    try:
        document = orjson.loads(body)
        updated_at = datetime.fromisoformat(document["updated_at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    version = (updated_at - _EPOCH) // _MICROSECOND
    return f'"{version:x}-{hashlib.sha256(body).hexdigest()[:16]}"'


def _version(tag: str) -> datetime | None:
    match = _TAG.fullmatch(tag)
    if match is None:
        return None
    try:
        return _EPOCH + int(match[1], 16) * _MICROSECOND
    except OverflowError:
        return None


def _is_none_match(header: str | None, tag: str) -> bool:
    """Weak comparison, as RFC 9110 §13.1.2 asks of If-None-Match; ``*`` matches any representation."""
    if header is None:
        return False
    tags = _LIST_ITEM.findall(header)
    return "*" in tags or any(t.removeprefix("W/") == tag for t in tags)
