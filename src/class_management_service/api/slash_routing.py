"""Every route answers the same with or without a trailing slash: never a redirect, never another status.

Werkzeug redirects (308, with an HTML body) from ``/v1/classes`` to the rule ``/v1/classes/``,
and answers 404 for ``/v1/classes/students/``. Without ``strict_slashes`` both forms match, except
that a wrong method on the slash-less form of a rule written with a slash is a 404 where the other
form gets its 405: the adapter then matches again with the slash, so the 405 and ``Allow`` agree.
``merge_slashes`` is off too: it redirected ``//`` to ``/``.
"""

from __future__ import annotations

from typing import Any

from quart.routing import QuartMap
from quart.wrappers.base import BaseRequestWebsocket
from werkzeug.exceptions import NotFound
from werkzeug.routing import MapAdapter


class SlashAgnosticMapAdapter(MapAdapter):
    """Retries a path without a trailing slash with one, before calling it not found."""

    # One signature for both of werkzeug's overloads (``return_rule`` only picks what is returned).
    def match(  # type: ignore[override]
        self, path_info: str | None = None, method: str | None = None, **options: Any
    ) -> Any:
        try:
            return super().match(path_info, method, **options)
        except NotFound:
            path = self.path_info if path_info is None else path_info
            if path.endswith("/"):
                raise
            return super().match(f"{path}/", method, **options)


class SlashAgnosticMap(QuartMap):
    """Quart's map, with rules that ignore a trailing slash and adapters that retry with one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strict_slashes = False
        self.merge_slashes = False

    def bind_to_request(
        self, request: BaseRequestWebsocket, subdomain: str | None, server_name: str | None
    ) -> MapAdapter:
        bound = super().bind_to_request(request, subdomain, server_name)
        return SlashAgnosticMapAdapter(
            self,
            bound.server_name,
            bound.script_name,
            bound.subdomain,
            bound.url_scheme,
            bound.path_info,
            bound.default_method,
            bound.query_args,
        )
