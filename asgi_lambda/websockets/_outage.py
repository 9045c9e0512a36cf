"""One outage per invocation: once a backend call finds the server unreachable, the rest of that
invocation's calls fail at once instead of each waiting out its own bound.

Each call is bounded (docs/websocket-backends.md), but an invocation may make several: an app
that joins a group on ``$connect`` fails its join, and the clean-up that follows (forgetting the
half-made connection) waited again: 8.2 s on a frozen Redis whose one bound is 4.1 s, 12.1 s on
DynamoDB (6.0 s), 15.1 s on S3 (9.1 s).  So what an outage costs an invocation is one bound.

Per invocation through a context variable that each invocation sets to a fresh list: the app's
task, and the worker threads store calls run in, get copies of the context that share the list.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any, cast

from .backends import BackendUnavailableError, ConnectionStore

_seen: ContextVar[list[BackendUnavailableError] | None] = ContextVar(
    "asgi_lambda_backend_outage", default=None
)


def begin_invocation() -> Token[list[BackendUnavailableError] | None]:
    """A new invocation: no outage seen yet (called before its tasks are made)."""
    return _seen.set([])


def end_invocation(token: Token[list[BackendUnavailableError] | None]) -> None:
    """The invocation is over: what it saw does not reach the next (an HTTP one included)."""
    _seen.reset(token)


class _Guarded:
    """A store whose calls fail at once after one found the backend down, this invocation."""

    def __init__(self, store: ConnectionStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            seen = _seen.get()
            if seen:
                raise BackendUnavailableError(
                    f"the store was unreachable earlier in this invocation ({seen[0]})"
                )
            try:
                return attribute(*args, **kwargs)
            except BackendUnavailableError as exc:
                if seen is not None:
                    seen.append(exc)
                raise

        return call


def guarded(store: ConnectionStore) -> ConnectionStore:
    """``store``, failing fast after an outage; a local store (memory, SQLite) as it is."""
    if getattr(store, "local", False):
        return store
    return cast(ConnectionStore, _Guarded(store))
