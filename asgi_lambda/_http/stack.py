"""Assembles the middleware chain, once per handler, in the documented order.

Outermost first (the first sees the request first and the response last):

1. access log, tracing, metrics: they time everything and see the final status, errors included;
2. exclude_headers: removes headers from the response as it finally leaves;
   payload limit: a response over Lambda's 6 MB of JSON becomes a 500 that 1. records;
3. binary detection: decides base64 on the body as it finally leaves (after compression);
4. compression: compresses the app's body;
5. base path: sets ``api_gateway_base_path`` (and the stage) as ``root_path``; ``path`` keeps the
   full public path, as uvicorn's ``--root-path`` does;
6. the user's ``middlewares``, in the order given: they see ``root_path`` set and the app's own,
   uncompressed response;
7. lifespan: makes sure startup ran and puts the lifespan state in the scope;
8. the core: runs the ASGI app.

Built-ins that have nothing to do with the given options are left out, not run as no-ops.
"""

from __future__ import annotations

from .._options import Options
from .._types import ASGIApp
from ..middlewares.access_log import AccessLog
from ..middlewares.binary import BinaryDetection
from ..middlewares.compression import Compression
from ..middlewares.lifespan import Lifespan
from ..middlewares.payload_limit import PayloadLimit
from .middleware import Middleware


def builtin_outer(options: Options) -> list[Middleware]:
    """Built-ins outside the user's middlewares (items 1-5 above)."""
    # Opt-in built-ins are imported only when their option asks for them: cold start pays for
    # what the function uses.
    stack: list[Middleware] = []
    if options.access_log:
        stack.append(AccessLog(options))
    if options.tracer is not None:
        from ..middlewares.tracing import Tracing

        stack.append(Tracing(options))
    if options.metrics is not None:
        from ..middlewares.metrics import Metrics

        stack.append(Metrics(options))
    if options.exclude_headers:
        from ..middlewares.exclude_headers import ExcludeHeaders

        stack.append(ExcludeHeaders(options))
    stack.append(PayloadLimit())
    stack.append(BinaryDetection(options.text_mime_types))
    if options.compression:
        stack.append(Compression(options))
    if options.api_gateway_base_path != "/" or options.strip_stage_path:
        from ..middlewares.base_path import BasePath

        stack.append(BasePath(options))
    return stack


def builtin_inner(app: ASGIApp, options: Options) -> list[Middleware]:
    """Built-ins between the user's middlewares and the app (item 7 above)."""
    if options.lifespan == "off":
        return []
    return [Lifespan(app, options)]


def middleware_stack(app: ASGIApp, options: Options) -> list[Middleware]:
    return [*builtin_outer(options), *options.middlewares, *builtin_inner(app, options)]
