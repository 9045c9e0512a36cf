"""Runs an ASGI app for one request: the scope and one ``http.request`` in, one Response out.

This is the innermost step of the middleware chain.  It owns the error policy of SPEC section 5:
an app error becomes a 500 with a logged traceback; only ``BaseException``s that are not
``Exception``s (cancellation, KeyboardInterrupt, SystemExit) escape.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

from .._deadline import Deadline
from .._logtext import printable
from .._loop import get_loop
from .._types import ASGIApp, Message, RawHeaders, Scope
from .request import Request
from .response import Response, plain_text

logger = logging.getLogger("asgi_lambda")

ASGI_INFO = {"version": "3.0", "spec_version": "2.4"}
_DISCONNECT: Message = {"type": "http.disconnect"}


def http_scope(request: Request) -> Scope:
    """The ASGI HTTP scope for ``request``; middleware-supplied keys in ``request.scope`` win."""
    scope: Scope = {
        "type": "http",
        "asgi": ASGI_INFO,
        "http_version": request.http_version,
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.raw_path,
        "root_path": request.root_path,
        "query_string": request.query_string,
        "headers": _with_content_length(request.headers, request.body),
        "client": request.client,
        "server": request.server,
        "aws.event": request.event,
        "aws.context": request.context,
    }
    if request.scope:
        scope.update(request.scope)
    return scope


def _with_content_length(headers: RawHeaders, body: bytes) -> RawHeaders:
    """Add ``content-length`` to a request with a body but no length or transfer-encoding.

    Hand-built and console test events often omit it, and frameworks that size the body from
    it (Django's multipart parser) then read nothing.  We hold the whole body, so we know.
    """
    if not body:
        return headers
    for name, _ in headers:
        if name == b"content-length" or name == b"transfer-encoding":
            return headers
    return [*headers, (b"content-length", str(len(body)).encode("ascii"))]


class _Exchange:
    """The receive/send pair handed to the app, and what the app sent through it."""

    __slots__ = ("request_body", "body_sent", "status", "headers", "chunks", "complete", "waiter")

    def __init__(self, body: bytes) -> None:
        self.request_body = body
        self.body_sent = False
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False
        self.waiter: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.request_body, "more_body": False}
        if not self.complete:
            # A second receive() waits for the response to finish (Starlette listens for
            # disconnect while streaming); the future is made only when someone waits.
            if self.waiter is None:
                self.waiter = asyncio.get_running_loop().create_future()
            await asyncio.shield(self.waiter)
        return _DISCONNECT

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self.complete:
            raise RuntimeError(f"ASGI message {kind!r} sent after the response completed")
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("ASGI 'http.response.start' sent twice")
            status = message.get("status")
            if type(status) is not int:
                status = _status(status)
            if not 100 <= status <= 599:
                raise InvalidResponseError(
                    f"ASGI 'http.response.start' status must be from 100 to 599, not {status!r}"
                )
            self.headers = _response_headers(message.get("headers", ()))
            self.status = status
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError("ASGI 'http.response.body' sent before 'http.response.start'")
            body = message.get("body", b"")
            if type(body) is not bytes:
                body = body_bytes(body)
            if body:
                self.chunks.append(body)
            if not message.get("more_body", False):
                self._finish()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} in an HTTP response")

    def _finish(self) -> None:
        self.complete = True
        self.release_waiter()

    def release_waiter(self) -> None:
        """Wake a pending second ``receive()``: the response is done or never will be."""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def response(self) -> Response:
        assert self.status is not None
        chunks = self.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return Response(status=self.status, headers=self.headers, body=body)


class InvalidResponseError(TypeError):
    """The app sent a response message the ASGI spec does not allow; the client gets a 500."""


def _status(status: object) -> int:
    """A status that is not exactly ``int``: an ``int`` subclass (``HTTPStatus.OK``, any
    ``IntEnum``) as the plain ``int``, as uvicorn and hypercorn serve it; ``bool`` and the rest
    refused, as uvicorn refuses them.  Normalised before any JSON or log line sees it (on 3.10
    ``str(HTTPStatus.OK)`` is ``'HTTPStatus.OK'``)."""
    if isinstance(status, int) and not isinstance(status, bool):
        return int(status)
    raise InvalidResponseError(
        f"ASGI 'http.response.start' status must be an int from 100 to 599, not {status!r}"
    )


def body_bytes(body: object) -> bytes:
    """A body that is not exactly ``bytes``: a bytes-like copy, or the ASGI type error.

    A falsy ``None`` or ``""`` is an empty body, as uvicorn takes it (``if not data``)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if body is None or body == "":
        return b""
    raise InvalidResponseError(
        f"ASGI 'http.response.body' body must be bytes, not {type(body).__name__}"
    )


def _response_headers(headers: Iterable[Iterable[bytes]]) -> RawHeaders:
    """The app's headers as a list of our own: names lower-case, names and values ``bytes``.

    Checked as uvicorn checks them: bytes-like (copied) or ASCII text, names HTTP tokens, values
    without CR or LF (they would let a value start a header of its own: response splitting) or
    NUL.
    ``bytes(5)`` would have turned an int value into five NUL bytes.  Always a new list (a
    middleware may change it; apps often send a constant one), but the names and values are
    copied only when they need it: most apps already send lower-case bytes, and a ``lower()``
    and two ``bytes()`` per header were a sixth of the exchange.
    """
    result: RawHeaders = []
    append = result.append
    for name, value in headers:
        if type(name) is not bytes:
            name = _as_bytes(name, "name", name)
        if not name.islower():
            name = name.lower()
        if type(value) is not bytes:
            value = _as_bytes(value, "value", name)
        # Three "in" scans of a short value beat one regex search by about 3x.
        if b"\n" in value or b"\r" in value or b"\x00" in value:
            raise InvalidResponseError(
                f"ASGI response header {name[:64]!r} has a CR, LF or NUL in its value"
            )
        if name not in _GOOD_NAMES:
            _check_name(name)
        append((name, value))
    return result


# A header name is an HTTP token (RFC 9110 5.6.2), as h11 requires: no space, colon, control
# or non-ASCII byte, not empty.  Names that passed are remembered (a function sends the same
# few), so the check costs a set lookup per header after the first request.
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-z]+").fullmatch
_GOOD_NAMES: set[bytes] = set()
_MAX_REMEMBERED = 4096


def _check_name(name: bytes) -> None:
    if _TOKEN(name) is None:
        raise InvalidResponseError(
            f"ASGI response header name {name[:64]!r} is not an HTTP token (empty, or with a "
            "space, colon, control or non-ASCII byte)"
        )
    if len(_GOOD_NAMES) < _MAX_REMEMBERED:
        _GOOD_NAMES.add(name)


def _as_bytes(item: object, part: str, name: object) -> bytes:
    """Any bytes-like name or value, and ASCII text, as uvicorn's default (h11) sends them."""
    if isinstance(item, (bytearray, memoryview)):
        return bytes(item)
    if isinstance(item, str) and item.isascii():
        return item.encode("ascii")
    raise InvalidResponseError(
        f"ASGI response header {part} must be bytes, not {type(item).__name__} (header {name!r})"
    )


def _server_error() -> Response:
    return plain_text(500, "Internal Server Error")


def timeout_response() -> Response:
    """What the client gets when the app is cancelled at the invocation's deadline."""
    return plain_text(504, "Gateway Timeout")


def log_timeout(request: Request, deadline: Deadline, what: str) -> None:
    elapsed = get_loop().time() - deadline.started
    logger.error(
        "%s was still running %s %s after %.3fs, at the invocation's deadline: answering 504",
        what,
        printable(request.method),
        printable(request.path),
        elapsed,
    )


async def run_http_app(app: ASGIApp, request: Request, propagate: bool = False) -> Response:
    """Run ``app`` for ``request``; never raises an app ``Exception`` unless ``propagate``."""
    scope = http_scope(request)
    exchange = _Exchange(request.body)
    try:
        await app(scope, exchange.receive, exchange.send)
    except asyncio.CancelledError:
        deadline = request.deadline
        if deadline is None or not deadline.expired:
            raise
        deadline.acknowledge()
        if exchange.complete:
            return exchange.response()  # it had answered; only its after-work was cut short
        log_timeout(request, deadline, "the ASGI app")
        return timeout_response()
    except Exception as exc:
        if exchange.complete:
            status = exchange.status
            if status is not None and status >= 500:
                # Starlette's and FastAPI's ServerErrorMiddleware send their 500, then re-raise.
                logger.exception("ASGI app raised: its own %d response was sent", status)
            else:
                logger.exception("ASGI app raised after its response completed; it stands")
            if propagate:
                raise
            response = exchange.response()
        else:
            where = "mid-response" if exchange.status is not None else "before responding"
            logger.exception("ASGI app raised %s: answering 500", where)
            if propagate:
                raise
            response = _server_error()
        response.error = exc
        return response
    finally:
        exchange.release_waiter()
    if not exchange.complete:
        deadline = request.deadline
        if deadline is not None and deadline.expired:  # it caught the cancellation and returned
            deadline.acknowledge()
            log_timeout(request, deadline, "the ASGI app")
            return timeout_response()
        logger.error("ASGI app returned without completing a response: answering 500")
        return _server_error()
    return exchange.response()
