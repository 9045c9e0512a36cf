"""Binary detection: decides whether a response body leaves as text or as base64.

Every front door carries the body inside JSON, so bytes must either be a UTF-8 string or base64.
Sending text when it is safe keeps responses readable in logs and small (base64 adds a third).
The rule (SPEC section 4): text only if the content-type is textual, there is no
content-encoding, and the body decodes as UTF-8; everything else is base64.  Only valid UTF-8 can
travel as a JSON string and come out as the same bytes, so a declared charset never makes a body
text on its own; a charset that is not ASCII-compatible (UTF-16, UTF-32) makes it base64 even
when the bytes happen to be valid UTF-8, since they only "decode" by accident.

One response can force the decision: the app sends the header ``x-asgi-lambda-body: text`` or
``base64`` (removed before the response leaves), or a middleware sets ``response.base64``.  A
middleware's choice wins over the header, and a forced "text" whose body is not UTF-8 falls back
to base64 with a warning, because it cannot be sent as text at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable

from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response

logger = logging.getLogger("asgi_lambda")

# Beyond the patterns in TEXT_SUFFIXES: exact types that are text but match no pattern.
DEFAULT_TEXT_MIME_TYPES = frozenset(
    {
        "application/x-www-form-urlencoded",
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/yaml",
        "application/x-yaml",
        "application/graphql",
        "application/ecmascript",
    }
)
# "*/json", "*+json", "*/xml", "*+xml" (svg, problem+json, atom...), "*javascript".
TEXT_SUFFIXES = ("/json", "+json", "/xml", "+xml", "javascript")
# Charsets whose text is not ASCII-compatible (prefixes, without "-" or "_"): never sent as text.
NON_ASCII_CHARSETS = ("utf16", "utf32", "ucs2", "ucs4", "utf7")
FORCE_HEADER = b"x-asgi-lambda-body"


def is_textual(content_type: str, extra_text_types: frozenset[str] = frozenset()) -> bool:
    """True when ``content_type`` names text: the SPEC patterns, the defaults, or an extra type.

    ``extra_text_types`` holds lower-cased types; an entry ending in ``/`` (``"text/"``, as
    Mangum's list has) or ``*`` (``"application/vnd.acme*"``) matches as a prefix.
    """
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    if not mime:
        return False
    if params and _charset(params).startswith(NON_ASCII_CHARSETS):
        return False
    if (
        mime.startswith("text/")
        or mime.endswith(TEXT_SUFFIXES)
        or mime in DEFAULT_TEXT_MIME_TYPES
        or mime in extra_text_types
    ):
        return True
    return bool(extra_text_types) and mime.startswith(_prefixes(extra_text_types))


def needs_base64(
    response: Response,
    extra_text_types: frozenset[str] = frozenset(),
    textual: Callable[[bytes], bool] | None = None,
) -> bool:
    """The SPEC section 4 rule for ``response``; an explicit ``response.base64`` wins.

    ``textual`` replaces the content-type lookup (the middleware passes its cached one).
    """
    if response.base64 is not None:
        return response.base64
    content_type = b""
    for name, value in response.headers:
        lowered = name.lower()
        if lowered == b"content-encoding":
            return True
        if lowered == b"content-type" and not content_type:
            content_type = value
    if not response.body:
        return False
    if not content_type:
        return True
    if textual is not None:
        text = textual(content_type)
    else:
        text = is_textual(content_type.decode("latin-1"), extra_text_types)
    return not text or not _is_utf8(response.body)


class BinaryDetection:
    """Settles ``response.base64`` for every response, with ``text_mime_types`` added as text.

    Arguments:
        text_mime_types: extra textual types (``"application/vnd.acme"``, or a prefix ending in
            ``/`` or ``*``), added to the defaults, matched case-insensitively.
    """

    def __init__(self, text_mime_types: Iterable[str] = ()) -> None:
        self.extra_text_types = frozenset(
            t.split(";", 1)[0].strip().lower() for t in text_mime_types if t.strip()
        )
        # content-type header value -> textual; apps send a handful of distinct values.
        self._textual: dict[bytes, bool] = {}

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        for name, _ in response.headers:
            if name.lower() == FORCE_HEADER:
                choice = _pop_force_header(response)
                if response.base64 is None:
                    response.base64 = choice
                break
        if response.base64 is None:
            response.base64 = needs_base64(response, textual=self._is_textual)
        elif not response.base64 and not _is_utf8(response.body):
            logger.warning("response forced to text is not valid UTF-8: sending it as base64")
            response.base64 = True
        return response

    def _is_textual(self, content_type: bytes) -> bool:
        textual = self._textual.get(content_type)
        if textual is None:
            textual = is_textual(content_type.decode("latin-1"), self.extra_text_types)
            if len(self._textual) < 256:  # bounded: the values come from the app, not clients
                self._textual[content_type] = textual
        return textual


@functools.cache
def _prefixes(extra_text_types: frozenset[str]) -> tuple[str, ...]:
    """The prefix entries of ``extra_text_types``, computed once per set (frozensets hash fast)."""
    return tuple(t.rstrip("*") for t in extra_text_types if t.endswith(("/", "*")))


def _charset(params: str) -> str:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower().replace("-", "").replace("_", "")
    return ""


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pop_force_header(response: Response) -> bool | None:
    """The app's ``x-asgi-lambda-body`` choice (None if unknown), the header removed."""
    forced: bool | None = None
    kept = []
    for name, value in response.headers:
        if name.lower() == FORCE_HEADER:
            choice = value.strip().lower()
            forced = True if choice == b"base64" else False if choice == b"text" else forced
        else:
            kept.append((name, value))
    response.headers = kept
    return forced
