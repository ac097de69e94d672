"""orjson for request and response bodies: the stdlib encoder is the slowest step of a response."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider
from pydantic import BaseModel
from quart import Response


def _default(value: object) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return DefaultJSONProvider.default(value)


class OrjsonProvider(DefaultJSONProvider):
    """Serialises with orjson; falls back to pydantic and Flask's encoder for other types."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:  # noqa: ARG002 - orjson takes no options
        return orjson.dumps(obj, default=_default).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:  # noqa: ARG002
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=_default)
        return Response(body, mimetype="application/json")
