"""Finds a key that appears twice in one JSON object, which every fast JSON parser silently lets win.

pydantic (jiter), orjson and the standard library all keep the last of two equal keys, so
``{"name": "9A", "name": "9B"}`` would validate as whatever came last; a client that sent that
almost certainly has a bug, and two readers of the same body could disagree on what it says.
None of the maintained parsers can reject duplicates, but the standard library's C scanner hands
every object's pairs, in order, to ``object_pairs_hook``: one extra parse of an already validated
body, a few microseconds for the bodies this API takes.
"""

from __future__ import annotations

import json
from typing import Any

MAX_REPORTED_KEY_LENGTH = 100


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return found


def first_duplicate_key(body: bytes) -> str | None:
    """The first key found twice in one object of ``body`` (escapes decoded), or None.

    ``body`` must already be valid JSON (it is parsed again here); the key is cut to
    ``MAX_REPORTED_KEY_LENGTH`` characters, since it is echoed back to the client.
    """
    try:
        json.loads(body, object_pairs_hook=_unique_object)
    except _DuplicateKeyError as duplicate:
        return duplicate.key[:MAX_REPORTED_KEY_LENGTH]
    return None
