"""Tracing: one X-Ray subsegment per request, through the user's Powertools ``Tracer``.

The subsegment is annotated (annotations are indexed, so traces can be filtered on them) with
the method, path, status and event source, and, when the provider is X-Ray's recorder, gets the
standard ``http`` block too, so a 5xx marks it as a fault in the console.  Nothing of the
response body is ever recorded: bodies can hold personal data and X-Ray caps documents at 64 kB.

Only the user's ``Tracer`` object is touched; Powertools is never imported here.
"""

from __future__ import annotations

import traceback
from typing import Any

from .._errors import ConfigurationError
from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response, watch_stream
from .._options import Options

MAX_NAME_LENGTH = 200  # X-Ray's limit for segment and subsegment names


class Tracing:
    """Middleware wrapping each request in ``tracer.provider.in_subsegment_async``.

    When the tracer is disabled (``POWERTOOLS_TRACE_DISABLED``, or outside Lambda) requests pass
    straight through, as Powertools' own decorators would do.
    """

    def __init__(self, options: Options) -> None:
        tracer: Any = options.tracer
        if not callable(getattr(getattr(tracer, "provider", None), "in_subsegment_async", None)):
            raise ConfigurationError(
                f"option 'tracer' must be a Powertools Tracer (with .provider), not {tracer!r}"
            )
        self.tracer = tracer

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        tracer = self.tracer
        if tracer.disabled:
            return await call_next(request)
        name = f"## {request.method} {request.path}"[:MAX_NAME_LENGTH]
        manager = tracer.provider.in_subsegment_async(name=name)
        subsegment = await manager.__aenter__()
        try:
            response = await self._traced(subsegment, request, call_next)
        except BaseException as exc:
            if not await manager.__aexit__(type(exc), exc, exc.__traceback__):
                raise
            raise  # pragma: no cover - our subsegment manager never swallows errors
        if response.stream is None:
            await manager.__aexit__(None, None, None)
            return response

        async def done(size: int, error: BaseException | None) -> None:
            # A streamed response's subsegment lasts until its last byte.
            subsegment.put_metadata("streamed_bytes", size, "asgi_lambda")
            if error is not None:
                _add_exception(subsegment, error)
            await manager.__aexit__(None, None, None)

        watch_stream(response, done)
        return response

    async def _traced(self, subsegment: Any, request: Request, call_next: CallNext) -> Response:
        subsegment.put_annotation("http_method", request.method)
        subsegment.put_annotation("http_path", request.path)
        subsegment.put_annotation("event_source", request.source)
        put_http_meta = getattr(subsegment, "put_http_meta", None)  # X-Ray's, not in the ABC
        if put_http_meta is not None:
            put_http_meta("method", request.method)
            put_http_meta("url", request.path)
        response = await call_next(request)
        if response.error is not None:
            _add_exception(subsegment, response.error)
        subsegment.put_annotation("http_status", response.status)
        if put_http_meta is not None:
            put_http_meta("status", response.status)
        return response


def _add_exception(subsegment: Any, error: BaseException) -> None:
    """Record the app's exception (already answered as a 500) as the subsegment's cause."""
    add_exception = getattr(subsegment, "add_exception", None)
    if add_exception is not None:
        add_exception(error, traceback.extract_tb(error.__traceback__))
