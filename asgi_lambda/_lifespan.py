"""The ASGI lifespan protocol as a small state machine, plus the process hooks that end it.

One ``LifespanCycle`` per handler.  Its lifespan coroutine is a task on the adapter's loop: it is
started by the first request and then simply waits, suspended while the loop is idle between
invocations, until shutdown.  Shutdown runs on SIGTERM (Lambda sends it to the runtime before
ending an execution environment that has extensions registered) and at interpreter exit, once.

States, in the order a cycle moves through them::

    NEW -> STARTING -> READY -> (shutdown) -> NEW
                    -> UNSUPPORTED   "auto": the app does not speak lifespan; serve without it
                    -> FAILED        "auto": lifespan.startup.failed or a timeout; answer 500
                                     (503 for a timeout) and retry after a backoff
                    -> NEW           "on": any startup error; retried by the next request

Startup is bounded by ``startup_timeout`` (and by the request's deadline), shutdown by
``shutdown_timeout``: a lifespan that never answers is cancelled, logged, and, for startup,
retried later, so it neither hangs a request nor keeps SIGTERM from ending the process.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

from ._types import ASGIApp, Message, Scope

logger = logging.getLogger("asgi_lambda.lifespan")

LIFESPAN_ASGI = {"version": "3.0", "spec_version": "2.0"}

NEW = "new"
STARTING = "starting"
READY = "ready"
UNSUPPORTED = "unsupported"
FAILED = "failed"
STOPPING = "stopping"

# "auto" retries a failed startup after RETRY_BACKOFF seconds, doubling per consecutive
# failure up to MAX_RETRY_BACKOFF: one database timeout at cold start must not poison the
# environment, and an outage must not make every request pay a full startup attempt.
RETRY_BACKOFF = 1.0
MAX_RETRY_BACKOFF = 30.0

_STARTUP_REPLIES = ("lifespan.startup.complete", "lifespan.startup.failed")
_SHUTDOWN_REPLIES = ("lifespan.shutdown.complete", "lifespan.shutdown.failed")


class LifespanCycle:
    """Runs one app's lifespan: ``startup()`` before the first request, ``shutdown()`` at the end.

    ``mode`` is ``"auto"`` or ``"on"``.  ``state`` is the dict handed to the app in the lifespan
    scope; requests get a shallow copy of it.  ``failure`` is the message of the last startup
    failure, for the log line of every request answered 500 because of it.
    """

    def __init__(
        self, app: ASGIApp, mode: str, startup_timeout: float = 10.0, shutdown_timeout: float = 1.0
    ) -> None:
        self.app = app
        self.mode = mode
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.status = NEW
        self.state: dict[str, Any] = {}
        self.failure = ""
        self.timed_out = False
        self.failures = 0  # consecutive failed startups
        self.retry_at = 0.0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._started = asyncio.Event()
        self._stopped = asyncio.Event()
        self._startup_reply: Message | None = None
        self._startup_received = False
        self._shutdown_sent = False
        self._error: BaseException | None = None

    @property
    def serving(self) -> bool:
        """True when requests may go to the app; the one check a warm request pays."""
        return self.status is READY or self.status is UNSUPPORTED

    async def startup(self, timeout: float | None = None) -> bool:
        """Start the lifespan if it is not running yet; True when requests may go to the app.

        Waits at most ``timeout`` seconds (``startup_timeout`` if that is shorter).
        """
        if self.status is FAILED and asyncio.get_running_loop().time() >= self.retry_at:
            self.status = NEW
        if self.status is NEW:
            self._begin()
            register(self)
        if self.status is STARTING:  # this request started it, or waits for the one that did
            limit = self.startup_timeout if timeout is None else min(timeout, self.startup_timeout)
            try:
                await asyncio.wait_for(self._started.wait(), max(limit, 0.0))
            except asyncio.TimeoutError:
                if self.status is STARTING:
                    self._timed_out(limit)
            if self.status is STARTING:
                self.status = self._settle()
                task = self._task
                if self.status is not READY and task is not None and not task.done():
                    task.cancel()  # it reported failure but lingers: we will not talk to it again
            if self.status is READY:
                self.failures = 0
            elif self.status is FAILED:
                self.failures += 1
                backoff = min(RETRY_BACKOFF * 2 ** (self.failures - 1), MAX_RETRY_BACKOFF)
                self.retry_at = asyncio.get_running_loop().time() + backoff
        return self.serving

    def _timed_out(self, limit: float) -> None:
        self.failure = f"lifespan startup did not complete within {limit:.3g}s"
        self.timed_out = True
        retry = "retried after a backoff" if self.mode == "auto" else "retried next request"
        logger.error("ASGI %s; cancelled, %s", self.failure, retry)
        self.status = FAILED if self.mode == "auto" else NEW
        if self._task is not None:
            self._task.cancel()

    def _begin(self) -> None:
        self.status = STARTING
        self.loop = asyncio.get_running_loop()
        self.state = {}
        self.failure = ""
        self.timed_out = False
        self._inbox = asyncio.Queue()
        self._started = asyncio.Event()
        self._stopped = asyncio.Event()
        self._startup_reply = None
        self._startup_received = False
        self._shutdown_sent = False
        self._error = None
        self._inbox.put_nowait({"type": "lifespan.startup"})
        self._task = self.loop.create_task(self._main(), name="asgi_lambda lifespan")

    def _settle(self) -> str:
        """The state startup ends in, logging why; the policy table of SPEC section 6."""
        reply = self._startup_reply
        if reply is not None and reply["type"] == "lifespan.startup.complete":
            logger.debug("ASGI lifespan startup complete")
            return READY
        if reply is not None:
            self.failure = str(reply.get("message") or "the app sent lifespan.startup.failed")
            if self.mode == "auto":
                logger.error(
                    "ASGI lifespan startup failed (retried after a backoff): %s", self.failure
                )
                return FAILED
            logger.error("ASGI lifespan startup failed (retried next request): %s", self.failure)
            return NEW
        error = self._error
        if self.mode == "auto":
            if error is not None and self._startup_received:
                # It read lifespan.startup, so it may well support lifespan and have crashed:
                # worth a warning with the traceback, though we keep serving as uvicorn does.
                logger.warning(
                    "ASGI lifespan raised during startup; serving without lifespan",
                    exc_info=error,
                )
            else:
                why = f"it raised {error!r}" if error is not None else "it returned"
                logger.debug("ASGI lifespan protocol unsupported (%s); serving without it", why)
            return UNSUPPORTED
        self.failure = (
            f"the app raised {error!r}"
            if error is not None
            else "the app returned without completing lifespan startup"
        )
        logger.error(
            "ASGI lifespan startup failed (retried next request): %s", self.failure, exc_info=error
        )
        return NEW

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait for the answer; a no-op unless startup completed."""
        if self.status is not READY:
            return
        self.status = STOPPING
        task, inbox = self._task, self._inbox
        if task is not None and inbox is not None and not task.done():
            self._shutdown_sent = True
            inbox.put_nowait({"type": "lifespan.shutdown"})
            try:
                await asyncio.wait_for(self._stopped.wait(), self.shutdown_timeout)
            except asyncio.TimeoutError:
                logger.error(
                    "ASGI lifespan shutdown did not complete within %.3gs: cancelled",
                    self.shutdown_timeout,
                )
                task.cancel()
                self.status = NEW
                return
        logger.debug("ASGI lifespan shutdown complete")
        self.status = NEW

    async def _main(self) -> None:
        scope: Scope = {"type": "lifespan", "asgi": LIFESPAN_ASGI, "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as exc:
            reply = self._startup_reply
            if reply is None:
                self._error = exc  # judged by _settle
            elif reply["type"] == "lifespan.startup.failed":
                pass  # Starlette re-raises after reporting the failure: already logged
            elif self._shutdown_sent:
                logger.exception("ASGI lifespan raised during shutdown")
            else:
                logger.exception("ASGI lifespan raised after startup completed")
        finally:
            self._started.set()
            self._stopped.set()

    async def _receive(self) -> Message:
        assert self._inbox is not None
        message = await self._inbox.get()
        if message["type"] == "lifespan.startup":
            self._startup_received = True
        return message

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind in _STARTUP_REPLIES and self._startup_reply is None:
            self._startup_reply = message
            self._started.set()
        elif kind in _SHUTDOWN_REPLIES and self._shutdown_sent and not self._stopped.is_set():
            if kind == "lifespan.shutdown.failed":
                logger.error("ASGI lifespan shutdown failed: %s", message.get("message", ""))
            self._stopped.set()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} in the lifespan protocol now")


# Process hooks: installed once, by the first lifespan that starts, never at import.

_cycles: list[LifespanCycle] = []
_hooks_installed = False
_previous_sigterm: Any = signal.SIG_DFL


def register(cycle: LifespanCycle) -> None:
    """Remember ``cycle`` for shutdown, installing the SIGTERM and exit hooks the first time."""
    if cycle not in _cycles:
        _cycles.append(cycle)
    if not _hooks_installed:
        _install_hooks()


def shutdown_all() -> asyncio.Future[Any] | None:
    """Shut down every started lifespan on its loop; safe to call any number of times.

    Normally the loop is idle (between invocations, or at exit) and this runs the shutdowns to
    completion.  If a signal interrupted a running invocation, the loop is running under us and
    cannot be re-entered, so the shutdowns are scheduled on it and the returned future says when
    they are done.
    """
    scheduled: list[asyncio.Task[None]] = []
    for cycle in list(_cycles):
        loop = cycle.loop
        if cycle.status is not READY or loop is None or loop.is_closed():
            continue
        if loop.is_running():
            scheduled.append(loop.create_task(cycle.shutdown()))
            continue
        try:
            loop.run_until_complete(cycle.shutdown())
        except Exception:
            logger.exception("ASGI lifespan shutdown raised")
    return asyncio.gather(*scheduled) if scheduled else None


def _install_hooks() -> None:
    global _hooks_installed, _previous_sigterm
    _hooks_installed = True
    # Before the interpreter joins non-daemon threads, not after (where atexit runs): a worker
    # thread that anyio started from a task group the lifespan owns (an MCP server's sync
    # tool, a FastAPI sync endpoint) stops only when that task ends, and Python would wait
    # for it forever at exit.  ``threading._register_atexit`` is what concurrent.futures uses.
    # Not under asgi-lambda's runtime, which runs the shutdown itself on SIGTERM.
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        with contextlib.suppress(RuntimeError):  # already shutting down
            register(shutdown_all)
    atexit.register(shutdown_all)
    previous = signal.getsignal(signal.SIGTERM)
    if previous is None:  # installed by C code we could not chain to: leave it alone
        logger.debug("SIGTERM has a non-Python handler; lifespan shutdown will run at exit only")
        return
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        logger.debug("not in the main thread; lifespan shutdown will run at exit only")
        return
    _previous_sigterm = previous


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    pending = shutdown_all()
    if pending is None:
        _chain(signum, frame)
    else:
        pending.add_done_callback(lambda _: _chain(signum, frame))


def _chain(signum: int, frame: FrameType | None) -> None:
    """Do what would have happened without us: the previous handler, or the default (die)."""
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_DFL:
        # Dying by the signal skips buffered-output flushing, so flush what shutdown printed.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
