"""The invocation's deadline: when the app is cancelled, and when its work is abandoned.

Lambda kills a function at its timeout with no response and no log line, and API Gateway gives
up at 29 s.  So every invocation gets a ``Deadline`` a safety margin before the time Lambda
reports (``context.get_remaining_time_in_millis()``), or a default timeout where there is no
context (tests, the CLI).  At ``at`` the invocation's task is cancelled; the core turns that
cancellation into a 504 that the middlewares see as an ordinary response.  At ``stop_at``, half
the margin later, whatever still runs (an app that swallowed the cancellation) is abandoned by
``_loop.run``, so the invocation still answers before Lambda's own deadline.

One timer per invocation, armed when the task starts and disarmed when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ._types import LambdaContext


class Deadline:
    """``at`` and ``stop_at`` are times on the adapter's loop clock (``loop.time()``)."""

    __slots__ = ("started", "at", "stop_at", "expired", "_handle", "_task")

    def __init__(self, started: float, at: float, stop_at: float) -> None:
        self.started = started
        self.at = at
        self.stop_at = stop_at
        self.expired = False
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None

    def remaining(self, now: float) -> float:
        """Seconds left before the app is cancelled (negative once it was)."""
        return self.at - now

    def arm(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self._handle = task.get_loop().call_at(self.at, self._expire)

    def disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _expire(self) -> None:
        task = self._task
        if task is None or task.done():
            return
        self.expired = True
        task.cancel()
        # The last resort: the loop stops at stop_at even if the app ignores the cancellation.
        loop = task.get_loop()
        self._handle = loop.call_at(self.stop_at, loop.stop)

    def acknowledge(self) -> None:
        """The cancellation was answered (504): let the task await normally from here on."""
        task = self._task
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+; 3.10 does not count cancels
        if uncancel is not None:
            uncancel()


def deadline_for(
    context: LambdaContext,
    now: float,
    margin: float,
    default_timeout: float,
    cap: float | None = None,
) -> Deadline:
    """The deadline of an invocation that starts at ``now``, at most ``cap`` seconds away.

    The margin is at most half the time left, so a function with little time left still gives
    its app most of it rather than none.
    """
    remaining = default_timeout
    reader = getattr(context, "get_remaining_time_in_millis", None)
    if reader is not None:
        with contextlib.suppress(TypeError, ValueError):  # a hand-made context: the default
            remaining = float(reader()) / 1000.0
    if cap is not None:
        remaining = min(remaining, cap)
    margin = min(margin, max(remaining, 0.0) / 2.0)
    at = now + remaining - margin
    return Deadline(now, at, at + margin / 2.0)
