"""The import route's body, CSV or JSON, and its options to a ``RosterUpload``.

Options come from the JSON body, or as query parameters (the only place a CSV body leaves for
them); with JSON they may be in either, not both. ``class_ids`` in the query is comma-separated,
and may also be repeated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from pydantic import Field, ValidationError
from quart import current_app, g, request
from quart_schema import document_querystring, document_request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from class_management_service.api.errors import RequestValidationError
from class_management_service.api.roster_csv import parse_csv
from class_management_service.api.roster_json import ImportOptionsModel, RosterImportRequest, parse_json
from class_management_service.api.validation import invalid_input
from class_management_service.domain.import_errors import UploadTooLargeError
from class_management_service.domain.import_rows import ImportMode, ParsedRow, RosterUpload

P = ParamSpec("P")
R = TypeVar("R")
CSV_MEDIA_TYPE = "text/csv"
BYTES_LIMIT_NAME = "IMPORT_MAX_BYTES"
CSV_BODY_ATTRIBUTE = "_cms_csv_body"
"""Set on handlers that also take ``text/csv``: the media-type check and the OpenAPI document read it."""
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UTF8 = frozenset({"utf-8", "utf8"})


class ImportQuery(ImportOptionsModel):
    """The options as query parameters (with a CSV body; with JSON, the body may hold them instead)."""

    class_ids: Annotated[  # type: ignore[assignment]
        str | None,
        Field(
            default=None,
            pattern=rf"^{_UUID}(,{_UUID}){{0,99}}$",
            description="Classes every created or updated student joins: comma-separated ids, at most 100",
        ),
    ]


def roster_upload(
    handler: Callable[Concatenate[RosterUpload, P], Awaitable[R]],
) -> Callable[P, Awaitable[R]]:
    """Parse the body (CSV or JSON) and the options, and pass the upload as the first argument."""

    @wraps(handler)
    async def parsed(*args: P.args, **kwargs: P.kwargs) -> R:
        return await handler(await _read_upload(), *args, **kwargs)

    setattr(parsed, CSV_BODY_ATTRIBUTE, True)
    return document_querystring(ImportQuery)(document_request(RosterImportRequest)(parsed))


async def _read_upload() -> RosterUpload:
    max_rows: int = current_app.config["IMPORT_MAX_ROWS"]
    query = _query_options()
    body = await _body()
    if request.mimetype == CSV_MEDIA_TYPE:
        if request.mimetype_params.get("charset", "utf-8").lower() not in _UTF8:
            raise UnsupportedMediaType("A text/csv body must be UTF-8 (charset=utf-8)")
        rows: list[ParsedRow] = parse_csv(body, max_rows)
        values = query
    else:  # JSON: the media-type check let nothing else through
        rows, options = parse_json(body, max_rows)
        values = _merged(query, options)
    return RosterUpload(
        rows,
        tuple(values.get("class_ids") or ()),
        values.get("mode", ImportMode.CREATE_ONLY),
        values.get("dry_run", False),
        values.get("atomic", False),
    )


async def _body() -> bytes:
    try:
        body = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    except RequestEntityTooLarge:
        raise UploadTooLargeError(BYTES_LIMIT_NAME, current_app.config["IMPORT_MAX_BYTES"]) from None
    # get_data returned a copy of the received bytes: keep only that one (the Idempotency-Key
    # hash reads it from ``g``, as reading the body again would now give nothing).
    request.body.clear()
    g.received_body = body
    return body


def _query_options() -> dict[str, Any]:
    """The options given as query parameters, validated (an unknown parameter is a 400)."""
    values: dict[str, Any] = request.args.to_dict()
    if "class_ids" in values:
        values["class_ids"] = ",".join(request.args.getlist("class_ids"))
    try:
        query = ImportQuery.model_validate(values)
        class_ids = query.class_ids.split(",") if query.class_ids else None
        options = ImportOptionsModel.model_validate({**query.model_dump(), "class_ids": class_ids})
    except ValidationError as error:
        raise invalid_input(error, "query") from None
    return {name: getattr(options, name) for name in query.model_fields_set}


def _merged(query: dict[str, Any], body: ImportOptionsModel) -> dict[str, Any]:
    in_body = {name: getattr(body, name) for name in body.model_fields_set if name != "students"}
    both = sorted(set(query) & set(in_body))
    if both:
        raise RequestValidationError(
            f"Request validation failed: {', '.join(both)} given both in the query and in the body",
            [
                {"loc": ["query", name], "msg": "also given in the body", "type": "value_error"}
                for name in both
            ],
        )
    return {**query, **in_body}
