"""The app's request class: Quart's, with the matched route's blueprint names worked out once."""

from __future__ import annotations

from functools import cached_property

from quart.wrappers import Request


class MatchedRouteRequest(Request):
    """Quart's Request whose ``blueprints`` is computed once per request instead of on every read.

    Quart reads ``request.blueprints`` four to six times per request (before-request, after-request
    and teardown hooks, error handler lookup), and each read re-derives it from the endpoint
    through a function-level import. The value
    depends only on the matched rule, which Quart sets once when the request context is pushed,
    before any hook runs; a request that matched no rule keeps ``url_rule`` None and so ``[]``.
    """

    @cached_property
    def blueprints(self) -> list[str]:
        return super().blueprints
