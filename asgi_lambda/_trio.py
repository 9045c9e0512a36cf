"""Trio apps (Quart-Trio, and any ASGI app written for trio) on the adapter's asyncio loop.

A trio app awaits trio primitives, which only work inside a trio run; the adapter, its lifespan,
its pools and its deadlines live on one asyncio loop per execution environment.  Trio's guest
mode (``trio.lowlevel.start_guest_run``) runs trio *on top of* that loop: trio's scheduler ticks
as callbacks of the asyncio loop, on the same thread.  So one trio run is started per
environment, the first time the app is called, and every ASGI call (lifespan, HTTP, WebSocket)
becomes a trio task in it:

- the app's ``receive`` and ``send`` are the adapter's asyncio coroutines, run as asyncio tasks
  and waited for from trio;
- the deadline's cancellation of the asyncio side cancels the trio task's cancel scope, and the
  app sees ``trio.Cancelled``, as under a trio server; the asyncio side gets ``CancelledError``
  back and answers 504 as for any app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ._types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("asgi_lambda")


class _GuestRun:
    """The one trio run of a loop: a nursery that takes ASGI calls as tasks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        import trio

        self.trio = trio
        self.loop = loop
        self.ready: asyncio.Future[None] = loop.create_future()
        self.nursery: Any = None
        self.token: Any = None
        trio.lowlevel.start_guest_run(
            self._main,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=self._ended,
            host_uses_signal_set_wakeup_fd=False,
        )

    async def _main(self) -> None:
        trio = self.trio
        self.token = trio.lowlevel.current_trio_token()
        async with trio.open_nursery() as nursery:
            self.nursery = nursery
            self.loop.call_soon(_set_result, self.ready)
            await trio.sleep_forever()

    def _ended(self, outcome: Any) -> None:
        try:
            outcome.unwrap()
        except BaseException:
            logger.exception("the trio guest run ended")


# One guest run, on the adapter's one loop; a new loop (the old one was closed) gets its own.
_run: _GuestRun | None = None


async def _guest_run() -> _GuestRun:
    global _run
    loop = asyncio.get_running_loop()
    run = _run
    if run is None or run.loop is not loop:
        run = _run = _GuestRun(loop)
    if not run.ready.done():
        await asyncio.shield(run.ready)
    return run


def _set_result(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def trio_app(app: ASGIApp) -> ASGIApp:
    """``app``, a trio ASGI app, as an asyncio one (see the module docstring)."""

    async def on_asyncio(scope: Scope, receive: Receive, send: Send) -> None:
        run = await _guest_run()
        trio = run.trio
        done: asyncio.Future[None] = run.loop.create_future()
        scope_holder: list[Any] = []

        async def trio_receive() -> Message:
            message: Message = await _from_trio(run, receive)
            return message

        async def trio_send(message: Message) -> None:
            await _from_trio(run, send, message)

        async def call() -> None:
            with trio.CancelScope() as cancel_scope:
                scope_holder.append(cancel_scope)
                try:
                    await app(scope, trio_receive, trio_send)
                except Exception as exc:  # handed to the asyncio side, as is
                    if not done.done():
                        done.set_exception(exc)
                    return
            if not done.done():
                if cancel_scope.cancelled_caught:
                    done.cancel()
                else:
                    done.set_result(None)

        run.nursery.start_soon(call)
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            if scope_holder:
                scope_holder[0].cancel()
            if not done.done():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await done  # the app's own cleanup, under trio's cancellation
            raise

    on_asyncio.__qualname__ = f"trio({getattr(app, '__qualname__', type(app).__name__)})"
    return on_asyncio


async def _from_trio(run: _GuestRun, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Await an asyncio coroutine function from trio code: a task there, an event here."""
    trio = run.trio
    finished = trio.Event()
    task: asyncio.Future[Any] = asyncio.ensure_future(function(*args), loop=run.loop)
    task.add_done_callback(lambda _: run.token.run_sync_soon(finished.set))
    try:
        await finished.wait()
    except trio.Cancelled:
        task.cancel()
        raise
    return task.result()
