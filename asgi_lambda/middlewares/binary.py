"""Binary detection: decides whether a response body goes out as text or as base64.

A body is text only if its content-type is textual, it has no content-encoding and it decodes as
UTF-8; everything else is base64.  A response (or an earlier middleware) can force the decision by
setting ``response.base64`` to True or False, or by sending the header ``x-asgi-lambda-body`` with
``text`` or ``base64`` (the header is removed before the response leaves).
"""

from __future__ import annotations

from collections.abc import Iterable

from .._middleware import CallNext
from .._request import Request
from .._response import Response

DEFAULT_TEXT_MIME_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "image/svg+xml",
)
TEXT_SUFFIXES = ("+json", "+xml", "/json", "/xml", "javascript")
FORCE_HEADER = b"x-asgi-lambda-body"


def is_textual(content_type: str, extra_text_types: frozenset[str] = frozenset()) -> bool:
    """True for ``text/*``, ``*/json``, ``*+json``, ``*/xml``, ``*+xml``, ``*javascript`` and extras."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if not mime:
        return False
    return (
        mime.startswith("text/")
        or mime.endswith(TEXT_SUFFIXES)
        or mime in DEFAULT_TEXT_MIME_TYPES
        or mime in extra_text_types
    )


def needs_base64(response: Response, extra_text_types: frozenset[str] = frozenset()) -> bool:
    """The SPEC section 4 rule; an explicit ``response.base64`` wins."""
    if response.base64 is not None:
        return response.base64
    content_type = b""
    for name, value in response.headers:
        lowered = name.lower()
        if lowered == b"content-encoding":
            return True
        if lowered == b"content-type":
            content_type = value
    if not response.body:
        return False
    if not is_textual(content_type.decode("latin-1"), extra_text_types):
        return True
    try:
        response.body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class BinaryDetection:
    """Middleware that settles ``response.base64`` with the configured extra text types."""

    def __init__(self, text_mime_types: Iterable[str] = ()) -> None:
        self.extra_text_types = frozenset(t.split(";", 1)[0].strip().lower() for t in text_mime_types)

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        forced = _pop_force_header(response)
        if forced is not None:
            response.base64 = forced
        response.base64 = needs_base64(response, self.extra_text_types)
        return response


def _pop_force_header(response: Response) -> bool | None:
    forced: bool | None = None
    kept = []
    for name, value in response.headers:
        if name.lower() == FORCE_HEADER:
            forced = value.strip().lower() == b"base64"
        else:
            kept.append((name, value))
    if forced is not None:
        response.headers = kept
    return forced
