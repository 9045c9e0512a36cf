"""The normalized request every middleware sees, whatever front door the event came through."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .._types import LambdaContext, LambdaEvent, RawHeaders
from ._record import Record

if TYPE_CHECKING:
    from .._deadline import Deadline


class Request(Record):
    """One HTTP request, already translated from its event.

    Field names and meanings follow the ASGI HTTP scope so the core can copy them straight in:
    ``path`` is percent-decoded, ``raw_path`` and ``query_string`` are the bytes as received,
    ``headers`` has lower-cased names and one entry per value.  ``event`` and ``context`` keep the
    raw invocation reachable; ``scope`` holds extra keys a middleware wants in the ASGI scope.
    ``deadline`` is when the app will be cancelled (see ``asgi_lambda._deadline``), or None for
    a request served outside a handler invocation.

    ``early`` is set by the native runtime, which can post a response before the app returns:
    the chain then gets the response as soon as the app completed it (or, with ``stream``,
    started streaming it), and ``after`` is the app's task, still running its background work,
    which the runtime awaits before the next invocation.
    """

    __slots__ = (
        "method",
        "path",
        "raw_path",
        "query_string",
        "headers",
        "body",
        "source",
        "event",
        "context",
        "root_path",
        "scheme",
        "server",
        "client",
        "http_version",
        "scope",
        "deadline",
        "early",
        "stream",
        "after",
    )

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(
        self,
        method: str,
        path: str,
        raw_path: bytes,
        query_string: bytes,
        headers: RawHeaders,
        body: bytes,
        source: str,
        event: LambdaEvent,
        context: LambdaContext = None,
        root_path: str = "",
        scheme: str = "https",
        server: tuple[str, int] | None = None,
        client: tuple[str, int] | None = None,
        http_version: str = "1.1",
        scope: dict[str, Any] | None = None,
        deadline: Deadline | None = None,
        early: bool = False,
        stream: bool = False,
        after: asyncio.Task[None] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path
        self.query_string = query_string
        self.headers = headers
        self.body = body
        self.source = source
        self.event = event
        self.context = context
        self.root_path = root_path
        self.scheme = scheme
        self.server = server
        self.client = client
        self.http_version = http_version
        self.scope: dict[str, Any] = {} if scope is None else scope
        self.deadline = deadline
        self.early = early
        self.stream = stream
        self.after = after

    __match_args__ = __slots__  # positional patterns, as the dataclass had

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        key = name.lower().encode("latin-1")
        for header_name, value in self.headers:
            if header_name == key:
                return value.decode("latin-1")
        return None
