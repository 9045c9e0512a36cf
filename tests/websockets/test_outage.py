"""One outage per invocation: after a store call finds the backend down, the invocation's later
calls fail at once; the next invocation tries the backend again."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest

from asgi_lambda.websockets._outage import begin_invocation, guarded
from asgi_lambda.websockets.backends import BackendUnavailableError


class _Flaky:
    """A network store whose server is down until told otherwise; counts what reached it."""

    local = False

    def __init__(self) -> None:
        self.down = True
        self.calls: list[str] = []

    def save(self, connection_id: str, text: str) -> None:
        self._call("save")

    def load(self, connection_id: str) -> str | None:
        self._call("load")
        return None

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise BackendUnavailableError("connection refused")


def _in_invocation(work: Any) -> Any:
    context = contextvars.copy_context()
    context.run(begin_invocation)
    return context.run(work)


def test_after_one_outage_the_invocations_next_call_fails_without_reaching_the_backend() -> None:
    backend = _Flaky()
    store: Any = guarded(backend)  # type: ignore[arg-type]

    def invocation() -> None:
        with pytest.raises(BackendUnavailableError, match="connection refused"):
            store.save("c", "{}")
        with pytest.raises(BackendUnavailableError, match="unreachable earlier in this invocation"):
            store.load("c")

    _in_invocation(invocation)
    assert backend.calls == ["save"]


def test_the_next_invocation_tries_the_backend_again() -> None:
    backend = _Flaky()
    store: Any = guarded(backend)  # type: ignore[arg-type]

    def first() -> None:
        with pytest.raises(BackendUnavailableError):
            store.save("c", "{}")

    _in_invocation(first)
    backend.down = False
    assert _in_invocation(lambda: store.load("c")) is None
    assert backend.calls == ["save", "load"]


def test_a_local_store_is_not_wrapped() -> None:
    local = _Flaky()
    local.local = True  # type: ignore[misc]
    assert guarded(local) is local  # type: ignore[arg-type]


def test_what_an_invocation_saw_does_not_reach_code_after_it() -> None:
    from asgi_lambda.websockets._outage import end_invocation

    backend = _Flaky()
    store: Any = guarded(backend)  # type: ignore[arg-type]

    def http_after_a_websocket_invocation() -> str | None:
        token = begin_invocation()
        with pytest.raises(BackendUnavailableError):
            store.save("c", "{}")
        end_invocation(token)
        backend.down = False
        return store.load("c")  # an HTTP request's WebSocketAPI.members(), say

    assert contextvars.copy_context().run(http_after_a_websocket_invocation) is None
    assert backend.calls == ["save", "load"]
