"""Lifespan: runs the app's startup before its first request and hands each request the state.

Startup happens once per execution environment, lazily: not at import (that would bill startup
to every ``import`` in tests and tools) and not per request (Mangum's cost).  Each request's
``scope["state"]`` is a shallow copy of the lifespan state, as the ASGI spec asks, so a request
can add keys without leaking them into the next one while sharing the clients startup made.
The state machine and the SIGTERM/exit hooks live in ``asgi_lambda._lifespan``.
"""

from __future__ import annotations

import asyncio
import logging

from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response, plain_text
from .._lifespan import LifespanCycle
from .._options import Options
from .._types import ASGIApp

logger = logging.getLogger("asgi_lambda.lifespan")


def startup_budget(request: Request) -> float | None:
    """The seconds startup may take for this request: 90% of what its deadline leaves, if any.

    The rest is for answering 503 before the deadline cancels the request itself; a startup that
    needs more times out and is retried by a later request.
    """
    deadline = request.deadline
    if deadline is None:
        return None
    return deadline.remaining(asyncio.get_running_loop().time()) * 0.9


class Lifespan:
    """Middleware that makes sure lifespan startup ran, then puts its state in the scope.

    Built by the handler when ``lifespan`` is ``"auto"`` or ``"on"``; it is the innermost
    built-in, so the user's middlewares run even for requests it answers 500.
    """

    def __init__(self, app: ASGIApp, options: Options) -> None:
        self.cycle = LifespanCycle(
            app, options.lifespan, options.startup_timeout, options.shutdown_timeout
        )

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        cycle = self.cycle
        if not cycle.serving and not await cycle.startup(startup_budget(request)):
            if cycle.timed_out:
                logger.error("answering 503: %s", cycle.failure)
                return plain_text(503, "Service Unavailable")
            logger.error("answering 500: ASGI lifespan startup failed: %s", cycle.failure)
            return plain_text(500, "Internal Server Error")
        request.scope["state"] = cycle.state.copy()
        return await call_next(request)
