"""Detects ASGI 2 (double-callable) apps and presents every app as ASGI 3."""

from __future__ import annotations

import inspect
from typing import Any

from ._types import ASGIApp, Receive, Scope, Send


def is_asgi3(app: Any) -> bool:
    """The same test uvicorn uses: ASGI 3 apps are coroutine functions (or awaitable classes)."""
    if inspect.isclass(app):
        return hasattr(app, "__await__")
    if inspect.isfunction(app) or inspect.ismethod(app):
        return inspect.iscoroutinefunction(app)
    call = getattr(app, "__call__", None)  # noqa: B004 - we need the bound method itself
    return inspect.iscoroutinefunction(call)


def as_asgi3(app: Any) -> ASGIApp:
    """``app`` itself if ASGI 3, else a wrapper calling ``app(scope)(receive, send)``."""
    if is_asgi3(app):
        return app  # type: ignore[no-any-return]

    async def asgi2_app(scope: Scope, receive: Receive, send: Send) -> None:
        instance = app(scope)
        await instance(receive, send)

    asgi2_app.__qualname__ = f"asgi2({getattr(app, '__qualname__', type(app).__name__)})"
    return asgi2_app
