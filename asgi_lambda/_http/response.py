"""The normalized response every middleware sees before it is shaped for the event source."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from .._types import RawHeaders
from ._record import Record


class Response(Record):
    """One HTTP response as the app sent it.

    ``headers`` keep the app's order and one entry per value (``set-cookie`` is never merged).
    ``base64`` is the body-encoding decision: None until the binary-detection middleware (or the
    core, if that middleware is off) decides; a middleware may set it to force text or binary.
    ``error`` is the exception the app raised while serving it (already logged), so tracing
    can attach it to the trace; None for a normal response.

    ``stream`` is set instead of ``body`` for a response the app streams (it sent a body with
    ``more_body``) while the native runtime serves a streaming invocation (docs/streaming.md):
    the chunks, as the app sends them, while the app still runs.  ``body`` is then empty.  A
    middleware that changes the body wraps the iterator in one of its own, or calls ``read()``
    to buffer it (the client then gets the whole body at once).  The iterator raises the app's
    exception if the app fails mid-stream.
    """

    __slots__ = ("status", "headers", "body", "base64", "error", "stream")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(
        self,
        status: int,
        headers: RawHeaders | None = None,
        body: bytes = b"",
        base64: bool | None = None,
        error: BaseException | None = None,
        stream: AsyncIterator[bytes] | None = None,
    ) -> None:
        self.status = status
        self.headers: RawHeaders = [] if headers is None else headers
        self.body = body
        self.base64 = base64
        self.error = error
        self.stream = stream

    __match_args__ = __slots__  # positional patterns, as the dataclass had

    async def read(self) -> bytes:
        """The whole body; a stream is read to its end first and becomes ``body``."""
        stream = self.stream
        if stream is not None:
            self.stream = None
            self.body = b"".join([chunk async for chunk in stream])
        return self.body

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        key = name.lower().encode("latin-1")
        for header_name, value in self.headers:
            if header_name.lower() == key:
                return value.decode("latin-1")
        return None

    def set_header(self, name: str, value: str) -> None:
        """Replace every value of ``name`` with one ``value``."""
        key = name.lower().encode("latin-1")
        self.headers = [(k, v) for k, v in self.headers if k.lower() != key]
        self.headers.append((key, value.encode("latin-1")))


def plain_text(status: int, text: str) -> Response:
    """A short ``text/plain`` response, for errors the adapter answers itself."""
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("latin-1")),
    ]
    return Response(status=status, headers=headers, body=body, base64=False)


StreamDone = Callable[[int, BaseException | None], Awaitable[None]]


def watch_stream(response: Response, done: StreamDone) -> None:
    """Wrap ``response.stream`` so ``await done(size, error)`` runs once it ends or fails.

    For middlewares that record a response (access log, tracing, metrics): a streamed one is
    known at its start by status and headers, and by size and duration only at its end.
    """
    stream = response.stream
    if stream is None:
        raise ValueError("watch_stream() needs a streamed response (response.stream is None)")

    async def watched() -> AsyncIterator[bytes]:
        size = 0
        error: BaseException | None = None
        try:
            async for chunk in stream:
                size += len(chunk)
                yield chunk
        except BaseException as exc:
            error = exc
            raise
        finally:
            await done(size, error)

    response.stream = watched()
