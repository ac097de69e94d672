"""orjson for request and response bodies: the stdlib encoder is the slowest step of a response."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider
from pydantic import BaseModel
from quart import Response

from class_management_service import private_apis


def _default(value: object) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return DefaultJSONProvider.default(value)


def _encode(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj, default=_default)
    except TypeError:
        # quart-schema's OpenAPI document keys responses by int status codes; that option costs
        # time on every dict, so only documents that need it pay for it.
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS)


class OrjsonProvider(DefaultJSONProvider):
    """Serialises with orjson; falls back to pydantic and Flask's encoder for other types."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:  # noqa: ARG002 - orjson takes no options
        return _encode(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:  # noqa: ARG002
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = private_apis.flask_response_object(self, args, kwargs)
        return Response(_encode(obj), mimetype="application/json")
