"""Opaque keyset cursors: the (created_at, id) of the last row of the previous page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from class_management_service.api.errors import RequestValidationError
from class_management_service.api.schemas import ListQuery
from class_management_service.domain.models import PageRequest

_UTC_OFFSET = timedelta(0)


class _Keyed(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def created_at(self) -> datetime: ...


def encode_cursor(created_at: datetime, item_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The position a cursor names; anything ``encode_cursor`` could not have written is a 400.

    Accepting only exact round trips rules out every lenient spelling the parsers allow (other
    offsets, padding, upper-case or braced UUIDs, ISO week dates, ...), and a UTC offset of zero
    keeps the moment inside the range every backend can compare without overflowing.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, item_id = raw.split("|", 1)
        moment, parsed_id = datetime.fromisoformat(created_at), UUID(item_id)
        is_issued = moment.utcoffset() == _UTC_OFFSET and encode_cursor(moment, parsed_id) == cursor
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        is_issued = False
    if not is_issued:
        raise RequestValidationError(
            "cursor is invalid", [{"loc": ["query", "cursor"], "msg": "not a cursor from this API"}]
        )
    return moment, parsed_id


def page_request(query: ListQuery) -> PageRequest:
    after = decode_cursor(query.cursor) if query.cursor else None
    return PageRequest(limit=query.limit, offset=query.offset, after=after)


def pagination_of(request: PageRequest, total: int, items: Sequence[_Keyed]) -> dict[str, object]:
    last = items[-1] if items else None
    consumed = request.offset + len(items)
    is_full = len(items) == request.limit
    has_more = is_full and (request.after is not None or consumed < total)
    return {
        "limit": request.limit,
        "offset": request.offset,
        "returned": len(items),
        "total": total,
        "next_cursor": encode_cursor(last.created_at, last.id) if has_more and last else None,
    }
