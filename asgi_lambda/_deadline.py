"""The invocation's deadline: when the app is cancelled, and when its work is abandoned.

Lambda kills a function at its timeout with no response and no log line, and API Gateway gives
up at 29 s.  So every invocation gets a ``Deadline`` a safety margin before the time Lambda
reports (``context.get_remaining_time_in_millis()``), or a default timeout where there is no
context (tests, the CLI).  At ``at`` the invocation's task is cancelled; the core turns that
cancellation into a 504 that the middlewares see as an ordinary response.  At ``stop_at``, half
the margin later, whatever still runs (an app that swallowed the cancellation) is abandoned by
``_loop.run``, so the invocation still answers before Lambda's own deadline.

No timer is created per invocation: a scheduled-then-cancelled timer per invocation cost about
4 us (bench case 1a: 21 -> 27 us), as cancelled handles pile up in the loop's heap.  One watchdog
timer per loop serves every invocation instead.  Each invocation's deadline is later than the
last one's (time moves on), so it usually just becomes the watchdog's current deadline; when the
timer fires early for it, it re-arms itself once at that deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ._types import LambdaContext


class Deadline:
    """``at`` and ``stop_at`` are times on the adapter's loop clock (``loop.time()``)."""

    __slots__ = ("started", "at", "stop_at", "expired", "abandoned", "_handle", "_task", "_timer")

    def __init__(self, started: float, at: float, stop_at: float) -> None:
        self.started = started
        self.at = at
        self.stop_at = stop_at
        self.expired = False
        self.abandoned = False
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def remaining(self, now: float) -> float:
        """Seconds left before the app is cancelled (negative once it was)."""
        return self.at - now

    def arm(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        self._task = task
        watchdog = _watchdog
        if watchdog is None or watchdog.loop is not loop:
            watchdog = _new_watchdog(loop)
        watchdog.watch(self)

    def arm_timer(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        """Cancel ``task`` at ``at`` with a timer of its own, without ever stopping the loop.

        For the native runtime, which awaits invocations inside its running loop, several at
        once with ``AWS_LAMBDA_MAX_CONCURRENCY``: the one watchdog watches one deadline, and
        ``stop_at`` is the runtime's own wait limit (``_loop.run_bounded``), not a loop stop.
        Called again with the app's own task once the response is posted.
        """
        self._task = task
        if self._timer is None:
            self._timer = loop.call_at(self.at, self._expire_task)

    def _expire_task(self) -> None:
        task = self._task
        if task is not None and not task.done():
            self.expired = True
            task.cancel()
            self._timer = task.get_loop().call_at(self.stop_at, self._abandon_task)

    def _abandon_task(self) -> None:
        task = self._task
        if task is not None and not task.done():
            from ._loop import abandon, logger  # _loop imports this module

            logger.error(
                "work was still running at the invocation's deadline although it was cancelled "
                "(it swallowed CancelledError): abandoning it so it cannot run into later "
                "invocations"
            )
            self.abandoned = True
            abandon(task)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        watchdog = _watchdog
        if watchdog is not None and watchdog.current is self:
            watchdog.current = None
        if self._handle is not None:  # the last-resort stop, scheduled only once expired
            self._handle.cancel()
            self._handle = None

    def expire(self) -> None:
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


class _Watchdog:
    """The one timer of a loop, watching the current invocation's deadline."""

    __slots__ = ("loop", "current", "handle", "when")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.current: Deadline | None = None
        self.handle: asyncio.TimerHandle | None = None
        self.when = float("inf")

    def watch(self, deadline: Deadline) -> None:
        self.current = deadline
        if deadline.at < self.when:  # earlier than the timer: rare (a shorter timeout)
            if self.handle is not None:
                self.handle.cancel()
            self.handle = self.loop.call_at(deadline.at, self._fire)
            self.when = deadline.at

    def _fire(self) -> None:
        self.handle, self.when = None, float("inf")
        deadline = self.current
        if deadline is None:
            return
        if self.loop.time() >= deadline.at:
            deadline.expire()
        else:
            self.watch(deadline)


# The adapter runs one loop; a new loop (the old one was closed) gets a watchdog of its own.
_watchdog: _Watchdog | None = None


def _new_watchdog(loop: asyncio.AbstractEventLoop) -> _Watchdog:
    global _watchdog
    if _watchdog is not None and _watchdog.handle is not None:
        _watchdog.handle.cancel()
    _watchdog = _Watchdog(loop)
    return _watchdog


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
        with contextlib.suppress(Exception):  # a hand-made context: the default applies
            millis = reader()
            # Only a number counts: float(MagicMock()) is 1.0, which made every request of a
            # test suite that passes MagicMock() contexts time out after a millisecond.
            if type(millis) is int or type(millis) is float:
                remaining = millis / 1000.0
    if cap is not None:
        remaining = min(remaining, cap)
    margin = min(margin, max(remaining, 0.0) / 2.0)
    at = now + remaining - margin
    return Deadline(now, at, at + margin / 2.0)
