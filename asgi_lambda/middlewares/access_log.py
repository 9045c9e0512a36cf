"""Access log: one line per request, through Powertools' Logger when the user passes one.

The line carries method, path, status, duration, the Lambda request id, the event source and
whether this was the execution environment's first invocation (cold start).  It never carries
headers, the query string or bodies: that is where credentials and tokens travel.  Errors and
their tracebacks are logged by the core (logger ``asgi_lambda``), not here.

With a Powertools ``Logger`` the request's correlation id is also set on that logger before the
app runs, so the app's own log lines during the request carry it too.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from typing import Any

from .. import _logsink
from .._errors import ConfigurationError
from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response, watch_stream
from .._logtext import printable
from .._options import EVENT_KINDS, Options

ACCESS_LOGGER = "asgi_lambda.access"
STDLIB_LOGGERS = (logging.Logger, logging.LoggerAdapter)

# Provisioned concurrency initialises environments ahead of traffic: their first request is warm.
_cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"


def take_cold_start() -> bool:
    """True for the first request of the execution environment, False from then on."""
    global _cold_start
    cold, _cold_start = _cold_start, False
    return cold


def correlation_id(request: Request) -> str | None:
    """The id that ties this request to the front door's own logs, per event source.

    API Gateway (REST, HTTP API, Function URLs) log ``requestContext.requestId``; ALB and VPC
    Lattice pass the X-Ray trace header ``x-amzn-trace-id``; CloudFront's request id (the
    ``x-amz-cf-id`` of its logs) is ``cf.config.requestId`` in Lambda@Edge events.  These are the
    paths Powertools' ``correlation_paths`` uses.
    """
    event = request.event
    if request.source in ("http_api_v2", "api_gateway_v1"):
        context = event.get("requestContext")
        value = context.get("requestId") if isinstance(context, dict) else None
        return value if isinstance(value, str) else None
    if request.source == "lambda_edge":
        try:
            value = event["Records"][0]["cf"]["config"]["requestId"]
        except (KeyError, IndexError, TypeError):
            return None
        return value if isinstance(value, str) else None
    if request.source in NON_HTTP_SOURCES:
        return request.header("x-asgi-lambda-event-id")  # the record's or the event's own id
    return request.header("x-amzn-trace-id")


NON_HTTP_SOURCES = frozenset(EVENT_KINDS)  # the kinds _sources/events.py names its requests


class AccessLog:
    """Middleware that logs one line per request after the response is final.

    ``options.logger`` may be a Powertools ``Logger`` (structured line, correlation id, cold
    start), a stdlib ``logging.Logger``, or None for the stdlib logger ``asgi_lambda.access``,
    whose level follows ``log_level``.
    """

    def __init__(self, options: Options) -> None:
        logger: Any = options.logger
        self.powertools = _is_powertools_logger(logger)
        if logger is None:
            logger = logging.getLogger(ACCESS_LOGGER)
        elif not self.powertools and not isinstance(logger, STDLIB_LOGGERS):
            raise ConfigurationError(
                f"option 'logger' must be a Powertools Logger or a logging.Logger, not {logger!r}"
            )
        self.logger = logger

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        cold_start = take_cold_start()
        if self.powertools:
            self.logger.set_correlation_id(correlation_id(request))
        start = time.perf_counter()
        # What the client gets if a middleware below lets an exception through: the handler
        # answers 500 for an Exception; cancellation and exits propagate with no response.
        status: int | str = 500
        try:
            response = await call_next(request)
            status = response.status
            if response.stream is not None:  # logged when it ends, with its size
                done = functools.partial(self._streamed, request, start, cold_start, status)
                watch_stream(response, done)
                status = ""
            return response
        except Exception:
            raise
        except GeneratorExit:  # _loop.run abandoned the app at the deadline; the handler sends 504
            status = "504 (the app ignored its cancellation and was abandoned)"
            raise
        except BaseException as exc:
            status = f"{type(exc).__name__}, no response sent"
            raise
        finally:
            if status != "":
                self._log(request, status, (time.perf_counter() - start) * 1000.0, cold_start)

    async def _streamed(
        self,
        request: Request,
        start: float,
        cold_start: bool,
        status: int,
        size: int,
        error: BaseException | None,
    ) -> None:
        outcome = f"{status} streamed {size} bytes"
        if isinstance(error, (GeneratorExit, asyncio.CancelledError)):
            outcome += ", cut short: the client went away or the app was stopped"
        elif error is not None:
            outcome += f", cut short by {type(error).__name__}"
        self._log(request, outcome, (time.perf_counter() - start) * 1000.0, cold_start)

    def _log(
        self, request: Request, status: int | str, duration_ms: float, cold_start: bool
    ) -> None:
        logger = self.logger
        sink = None if self.powertools else _logsink.sink  # the runtime's, for the same line
        # With no handler anywhere up the hierarchy an INFO record is built and then dropped
        # (logging's last-resort handler only takes warnings): about 20us per request for
        # nothing, so skip it.  On Lambda the runtime's root handler makes this False.
        if sink is None and not self.powertools and not _heard(logger):
            return
        request_id = getattr(request.context, "aws_request_id", None)
        method, path = printable(request.method), printable(request.path)
        if sink is not None:
            line = (
                f'"{method} {path}" {status} {duration_ms:.2f}ms source={request.source} '
                f"request_id={request_id or '-'}"
            )
            if sink(logger, line) or not _heard(logger):
                return
        fields = {
            "http_method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 2),
            "source": request.source,
            "function_request_id": request_id,
            "cold_start": cold_start,
        }
        if self.powertools:
            logger.info(f"{method} {path} {status}", extra=fields)
        else:
            logger.info(
                '"%s %s" %s %.2fms source=%s request_id=%s',
                method,
                path,
                status,
                duration_ms,
                request.source,
                request_id or "-",
                extra=fields,
            )


def _heard(logger: Any) -> bool:
    """Would an INFO record of ``logger`` reach a handler?"""
    return bool(logger.isEnabledFor(logging.INFO) and logger.hasHandlers())


def _is_powertools_logger(logger: Any) -> bool:
    """Duck-typed, so that checking never imports Powertools."""
    return callable(getattr(logger, "set_correlation_id", None)) and callable(
        getattr(logger, "append_keys", None)
    )
