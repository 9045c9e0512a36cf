"""exclude_headers: removes named headers from every response, whatever the event source.

Useful for headers a front door rejects or rewrites (ALB and API Gateway own some, such as
``connection`` or ``server``), or that should not leak (``x-powered-by``).  It sits near the
outside of the chain, so it also removes headers that other middlewares added.
"""

from __future__ import annotations

from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response
from .._options import Options


class ExcludeHeaders:
    """Drops every header whose name is in ``options.exclude_headers`` (case-insensitive)."""

    def __init__(self, options: Options) -> None:
        # Bytes, as the response holds them; lower-cased again for Options built by hand.
        self.names = frozenset(name.lower().encode("latin-1") for name in options.exclude_headers)

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        names = self.names
        response.headers = [(k, v) for k, v in response.headers if k.lower() not in names]
        return response
