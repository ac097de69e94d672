"""The log record of an unexpected error: where it happened, never what the data said.

An exception's message may quote the data it failed on: a database driver's error repeats the
offending row ("Key (email)=(ada@example.com) already exists"), a validation library the value.
The service keeps personal data out of every log line, so an unexpected error is logged as its
type and its frames (the code's own source lines, never local variables), for the whole chain
of causes; the correlation id in the same line leads from a user's report to it. Python's
``traceback`` module cannot leave the messages out, hence this small formatter. It sits outside
the layers so that the API's error handler and the relay's own error lines can both use it.
"""

from __future__ import annotations

import traceback

_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def type_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def error_fields(error: BaseException) -> dict[str, str]:
    """The fields of a log line about ``error``: its type and its message-free traceback."""
    return {"error_type": type_name(error), "exception": traceback_without_messages(error)}


def traceback_without_messages(error: BaseException) -> str:
    """Python's traceback text for ``error`` and its causes, each exception shown by type only."""
    blocks: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        blocks.append(f"Traceback (most recent call last):\n{frames}{type_name(current)}\n{link}")
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    return "".join(reversed(blocks)).rstrip("\n")
