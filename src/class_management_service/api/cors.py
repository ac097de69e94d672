"""CORS for browser frontends that call the service directly (off unless origins are configured).

quart-cors adds the headers in an ``after_request`` hook, so every answer, errors included, carries
``Access-Control-Allow-Origin`` for an allowed origin (a frontend can read a 401's body) and never
for another. Preflights are Quart's automatic OPTIONS answers, which run no handler; the request
hooks let OPTIONS through without ``X-User-ID`` (``request_context.authenticate_request``).
"""

from __future__ import annotations

from collections.abc import Sequence

from quart import Quart
from quart_cors import cors

from class_management_service.api.request_context import CORRELATION_HEADER, USER_HEADER

# What a browser may send: the teacher's identity (a frontend without the gateway sets it itself),
# JSON bodies, tracing, safe retries and conditional requests. The internal key is not among them:
# internal callers are services, not browsers.
ALLOWED_HEADERS = (
    "Content-Type",
    USER_HEADER,
    CORRELATION_HEADER,
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
)
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")
# Response headers a frontend script may read beyond the CORS-safelisted ones.
EXPOSED_HEADERS = (CORRELATION_HEADER, "ETag", "Retry-After")
# Browsers cache a preflight this long (Chromium caps it at 2 hours anyway).
PREFLIGHT_MAX_AGE_S = 600


def install_cors(app: Quart, origins: Sequence[str]) -> None:
    """Answer preflights and label responses for ``origins`` ("*" allows any origin)."""
    cors(
        app,
        allow_origin=list(origins),
        allow_headers=ALLOWED_HEADERS,
        allow_methods=ALLOWED_METHODS,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_MAX_AGE_S,
        # No cookies: identity travels in headers, so "*" stays a plain wildcard.
        allow_credentials=False,
    )
