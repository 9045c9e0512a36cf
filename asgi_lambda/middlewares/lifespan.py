"""Placeholder for the lifespan middleware; being built.  Passes requests through unchanged."""

from __future__ import annotations

from typing import Any

from .._middleware import CallNext
from .._request import Request
from .._response import Response


class Lifespan:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        return await call_next(request)
