"""The one event loop per execution environment.

Lambda reuses the process between invocations; clients and pools created at startup are bound to
the loop they were created on, so every invocation must run on the same loop.  The adapter owns
it instead of borrowing ``asyncio.get_event_loop()``, which fails after user code ran
``asyncio.run()`` (that closes the thread's loop) and warns on newer Pythons.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ._deadline import Deadline

T = TypeVar("T")

logger = logging.getLogger("asgi_lambda")

_loop: asyncio.AbstractEventLoop | None = None


class DeadlineExceededError(Exception):
    """The invocation's work was still running at its hard deadline and was abandoned."""


def get_loop() -> asyncio.AbstractEventLoop:
    """The adapter's loop, created on first use and again only if something closed it."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop


def run(coroutine: Coroutine[Any, Any, T], deadline: Deadline | None = None) -> T:
    """Run ``coroutine`` to completion on the adapter's loop, as a task of its own.

    The loop stops from the task's done-callback, as ``run_until_complete`` does, so callbacks
    the task's completion schedules run in the same loop iteration: AnyIO stops its worker
    threads from a done-callback of the root task, and with the loop stopped earlier (in the
    task's own ``finally``) a sync FastAPI endpoint left a non-daemon thread that kept the
    interpreter from exiting.  Cheaper than ``run_until_complete`` all the same (no future
    wrapping, no callback removal).

    ``deadline`` cancels the task at ``deadline.at``; work still running at ``deadline.stop_at``
    (an app that swallowed that cancellation) is abandoned, so it cannot run on into later
    invocations, and ``DeadlineExceededError`` is raised.
    """
    loop = get_loop()
    task = loop.create_task(coroutine)
    task.add_done_callback(_stop)
    if deadline is not None:
        deadline.arm(task, loop)
    try:
        while not task.done():
            try:
                loop.run_forever()
            except BaseException:
                # KeyboardInterrupt or SystemExit raised in the task leaves run_forever at
                # once: the task holds it too, and is marked retrieved so it is not reported
                # again at exit.
                if task.done() and not task.cancelled():
                    task.exception()
                raise
            if task.done():
                break
            if deadline is not None and deadline.expired and loop.time() >= deadline.stop_at:
                task.remove_done_callback(_stop)
                logger.error(
                    "the app was still running at the invocation's deadline although it was "
                    "cancelled (it swallowed CancelledError): abandoning it so it cannot run "
                    "into later invocations"
                )
                abandon(task)
                raise DeadlineExceededError("the invocation ran past its deadline: abandoned")
            # Something else stopped the loop: run on, the deadline still armed.
    finally:
        if deadline is not None:
            deadline.disarm()
    return task.result()


def _stop(task: asyncio.Task[Any]) -> None:
    task.get_loop().stop()


def abandon(task: asyncio.Task[Any]) -> None:
    """End a task that ignored cancellation: close its coroutine, then cancel what it awaits.

    Closing throws ``GeneratorExit`` at the point where the coroutine waits (its ``finally``
    blocks run); cancelling then wakes the task, which finds its coroutine closed and ends on
    the loop's next run instead of resuming the app.  Its outcome is collected, so it is not
    reported again as an exception nobody retrieved.
    """
    task.add_done_callback(_collect)
    try:
        task.get_coro().close()
    except RuntimeError:
        logger.exception("the abandoned app ignored GeneratorExit too")
    task.cancel()


def _collect(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


async def run_bounded(
    coroutine: Coroutine[Any, Any, T], deadline: Deadline, keep_armed: bool = False
) -> T:
    """``run``'s twin for code already on the loop (the native runtime): same deadline rules.

    The work runs as a task of its own, cancelled at ``deadline.at``; if it is still running at
    ``deadline.stop_at`` it is abandoned and ``DeadlineExceededError`` raised.  The loop is never
    stopped: other invocations may be running on it.  With ``keep_armed``, work that ends well
    leaves the deadline's timer armed, for the caller to point at the app's work after the
    response (``arm_timer``) and disarm at the end: one timer an invocation, not two.
    """
    loop = asyncio.get_running_loop()
    task = loop.create_task(coroutine)
    deadline.arm_timer(task, loop)
    try:
        result: T = await wait_until(task, deadline)
    except BaseException:
        deadline.disarm()
        raise
    if not keep_armed:
        deadline.disarm()
    return result


async def wait_until(task: asyncio.Task[T], deadline: Deadline) -> T:
    """Await ``task``, which ``deadline.arm_timer`` (on it or the work it waits for) bounds.

    Awaited directly, with no future or timer of its own: the deadline's timers cancel the work
    at ``at`` and abandon it at ``stop_at``, and a task that ended cancelled by them raises
    ``DeadlineExceededError`` here.
    """
    try:
        return await task
    except BaseException:
        # Abandoned, its coroutine closed: the task ends with an error of the closing; or
        # cancelled at the deadline and let the cancellation out.
        if task.done() and (deadline.abandoned or (task.cancelled() and deadline.expired)):
            raise DeadlineExceededError("the invocation ran past its deadline") from None
        raise
