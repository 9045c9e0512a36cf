"""The one middleware protocol, shared by the built-ins and by users.

A middleware is any async callable ``(request, call_next) -> Response``.  It may change the request
before calling ``call_next``, change the response after, or answer without calling ``call_next`` at
all (short-circuit).  The first middleware in a list is the outermost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from .request import Request
from .response import Response

CallNext = Callable[[Request], Awaitable[Response]]
Middleware = Callable[[Request, CallNext], Awaitable[Response]]


def compose(middlewares: Sequence[Middleware], endpoint: CallNext) -> CallNext:
    """Wrap ``endpoint`` in ``middlewares`` once, when the handler is built, not per invocation."""
    handler = endpoint
    for middleware in reversed(middlewares):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: Middleware, call_next: CallNext) -> CallNext:
    # A plain function handing back the middleware's awaitable, not an ``async def`` awaiting
    # it: one coroutine frame less per middleware per request (about 0.4us each, bench case 1).
    def bound(request: Request) -> Awaitable[Response]:
        return middleware(request, call_next)

    bound.__qualname__ = f"bound({getattr(middleware, '__qualname__', type(middleware).__name__)})"
    return bound
