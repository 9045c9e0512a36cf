"""Metrics: request count, latency and 5xx count per request, as CloudWatch EMF.

The user passes their Powertools ``Metrics``; we take its namespace, service and default
dimensions, but write our numbers through a private EMF provider of our own, flushed at the end
of every request.  Sharing the user's metric set instead would go wrong both ways: our ``source``
and ``method`` dimensions would be stamped on their metrics, and whether they decorated the
handler with ``@metrics.log_metrics`` would decide if (and how often) ours were flushed, with
Powertools warning about an empty set when the flushes collide.  The user's own metrics stay
theirs to flush, with ``@metrics.log_metrics`` as usual.

Powertools is imported only when this middleware is built, which happens only when the user
passed ``metrics=``.
"""

from __future__ import annotations

import time
from typing import Any

from .._errors import ConfigurationError
from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response, watch_stream
from .._options import Options

REQUESTS = "Requests"
LATENCY = "Latency"
SERVER_ERRORS = "ServerErrors"


class Metrics:
    """Middleware publishing one EMF record per request, with dimensions ``source`` and ``method``.

    Metrics: ``Requests`` (Count, always 1), ``Latency`` (Milliseconds, time spent in the chain
    below, the app included) and ``ServerErrors`` (Count, 1 for a 5xx status, else 0, so its
    average is the error rate).
    """

    def __init__(self, options: Options) -> None:
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
            AmazonCloudWatchEMFProvider,
        )

        user: Any = options.metrics
        if not getattr(user, "namespace", None):
            raise ConfigurationError(
                "option 'metrics' needs a namespace: pass Metrics(namespace=...) or set "
                "POWERTOOLS_METRICS_NAMESPACE"
            )
        self.provider = AmazonCloudWatchEMFProvider(
            namespace=user.namespace,
            service=getattr(user, "service", None),
            default_dimensions=getattr(user, "default_dimensions", None),
        )

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        start = time.perf_counter()
        status = 500  # what the client gets if a middleware below lets an exception through
        streamed = False
        try:
            response = await call_next(request)
            status = response.status
            if response.stream is not None:  # published when it ends: latency to the last byte
                streamed = True

                async def done(size: int, error: BaseException | None) -> None:
                    self._publish(request, status, (time.perf_counter() - start) * 1000.0)

                watch_stream(response, done)
            return response
        finally:
            if not streamed:
                self._publish(request, status, (time.perf_counter() - start) * 1000.0)

    def _publish(self, request: Request, status: int, latency_ms: float) -> None:
        provider = self.provider
        provider.clear_metrics()  # also re-applies the user's current default dimensions
        provider.add_dimension(name="source", value=request.source)
        provider.add_dimension(name="method", value=request.method)
        provider.add_metric(name=REQUESTS, unit="Count", value=1)
        provider.add_metric(name=LATENCY, unit="Milliseconds", value=latency_ms)
        provider.add_metric(name=SERVER_ERRORS, unit="Count", value=1 if status >= 500 else 0)
        provider.flush_metrics()  # prints one EMF line; prints nothing when metrics are disabled
