"""How one HTTP request travels between the ASGI server and Quart.

Quart's own ``ASGIHTTPConnection`` starts two tasks per request (one receiving the body and
watching for a disconnect, one running the handler), waits on both, runs the send in a third
(``wait_for`` with ``RESPONSE_TIMEOUT``) and sends every response as at least three ASGI
messages. That machinery serves streamed uploads and long streamed responses; this service
has neither: bodies are small JSON documents capped by ``MAX_CONTENT_LENGTH`` and responses
are finished bytes, so this subclass (Quart's ``asgi_http_class`` extension point) takes the
straight path (its private hooks are in ``private_apis``):

1. receive the whole body first, in the server's task, complete once its declared
   Content-Length is in (granian's empty last message is not awaited); bounded by
   ``MAX_CONTENT_LENGTH``, or the path's own limit in ``BODY_LIMITS`` (reading stops past it,
   or does not start when the declared Content-Length is beyond it; Quart then answers 413
   when the handler reads the body) and by
   ``BODY_TIMEOUT`` (a late body is answered 408 by Quart as soon as the handler reads it);
2. run ``app.handle_request`` in the same task: a client that disconnects after sending its
   request still has it carried out, so a write is never cancelled halfway through a
   database round trip (which would also discard the pooled connection);
3. send a finished in-memory response as one ``http.response.start`` and one body message;
   any other response (a file, a stream) is sent by Quart's own code, with its timeout.

The request, its hooks, error handlers and the response are Quart's: only the transport
between the server and ``app.handle_request`` changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, cast

from quart.asgi import ASGIHTTPConnection
from quart.utils import encode_headers
from quart.wrappers.response import DataBody, Response

from class_management_service import private_apis

if TYPE_CHECKING:
    from hypercorn.typing import (
        ASGIReceiveCallable,
        ASGISendCallable,
        HTTPRequestEvent,
        HTTPResponseBodyEvent,
    )
    from quart.typing import ResponseTypes
    from quart.wrappers import Request


class WholeBodyHTTPConnection(ASGIHTTPConnection):
    """Quart's HTTP connection, minus the per-request tasks: body first, then the handler, inline."""

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        request = private_apis.quart_request_from_scope(self, send)
        limit = self._apply_body_limit(request)
        if not await self._receive_body(request, receive, limit):
            return  # the client left before its request was complete: nobody to answer
        response = await self.app.handle_request(request)
        if isinstance(response, Response) and isinstance(response.response, DataBody):
            await _send_in_one_message(send, response, response.response)
        else:
            await self._send_with_timeout(send, response)

    def _apply_body_limit(self, request: Request) -> int | None:
        """The request's body limit: its path's own (e.g. an upload route's), else MAX_CONTENT_LENGTH."""
        limit: int | None = self.app.config["MAX_CONTENT_LENGTH"]
        own: int | None = self.app.config["BODY_LIMITS"].get(request.path.rstrip("/"))
        if own is not None:
            limit = request.max_content_length = own
            request.body = request.body_class(request.content_length, own)
        return limit

    async def _receive_body(self, request: Request, receive: ASGIReceiveCallable, limit: int | None) -> bool:
        """Feed ``request.body`` until complete, too large or late; False when the client left."""
        if limit is not None and request.content_length is not None and request.content_length > limit:
            self._mark_complete(request)  # the body already answers 413: nothing to read
            return True
        message = await receive()
        if message["type"] != "http.request":
            return False
        first_chunk = message.get("body", b"")
        request.body.append(first_chunk)
        if not self._is_last(request, message, len(first_chunk), limit):
            try:
                async with asyncio.timeout(request.body_timeout):
                    return await self._receive_rest_of_body(request, receive, len(first_chunk), limit)
            except TimeoutError:
                request.body_timeout = 0  # still incomplete: reading it in the handler is a 408
                return True
        self._mark_complete(request)
        return True

    async def _receive_rest_of_body(
        self, request: Request, receive: ASGIReceiveCallable, received: int, limit: int | None
    ) -> bool:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return False
            chunk = message.get("body", b"")
            request.body.append(chunk)  # past the limit it keeps nothing and marks the body a 413
            received += len(chunk)
            if self._is_last(request, message, received, limit):
                self._mark_complete(request)
                return True

    @staticmethod
    def _is_last(request: Request, message: HTTPRequestEvent, received: int, limit: int | None) -> bool:
        """Whether to stop reading after ``message``: the body is complete or past the limit."""
        if not message.get("more_body", False) or (limit is not None and received > limit):
            return True
        # granian sends every body with more_body set, then an empty last message; once the
        # declared length is in, waiting for that message costs a trip through the server.
        return request.content_length is not None and received >= request.content_length

    @staticmethod
    def _mark_complete(request: Request) -> None:
        request.body.set_complete()
        # Nothing is left to wait for: reading the body must not arm a BODY_TIMEOUT timer (in
        # Python 3.11 ``wait_for`` with a timeout costs a task per read; without one it awaits).
        request.body_timeout = None

    async def _send_with_timeout(self, send: ASGISendCallable, response: ResponseTypes) -> None:
        # As Quart does it: a response not sent within RESPONSE_TIMEOUT is abandoned.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                private_apis.quart_send_response(self, send, response), self.app.config["RESPONSE_TIMEOUT"]
            )


async def _send_in_one_message(send: ASGISendCallable, response: Response, body: DataBody) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": encode_headers(response.headers),
        }
    )
    payload = body.data[body.begin : body.end]  # the same bytes object unless a Range narrowed it
    await send(
        cast("HTTPResponseBodyEvent", {"type": "http.response.body", "body": payload, "more_body": False})
    )
