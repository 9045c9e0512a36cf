"""serve's execution environments: a process each, one invocation at a time, as Lambda gives.

Lambda serves a second concurrent request in a second execution environment, with its own
interpreter, module state and lifespan; serve does the same.  A request that finds every
environment busy starts a new one, up to ``--concurrency``; past that it waits for one to free
(bounded by the function's timeout).  A long stream (an MCP client's ``GET``, an SSE feed) so
never holds another client's requests.  An environment whose invocation runs past the timeout
is killed, as Lambda ends an environment that timed out; the next request gets a fresh one.

The gateway and an environment speak over a pipe: the gateway sends ``("invoke", event)``,
``("cancel", None)`` (a stream's client went away) or ``("shutdown", None)``; the environment
answers ``("result", value)``, ``("failed", text)``, or a stream: ``("start", (status,
headers))``, ``("chunk", bytes)``..., ``("end", None|text)``; then, once the invocation's work
after the answer is over too, ``("done", None)``: only then is the environment free again.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger("asgi_lambda.local")

Reply = tuple[str, Any]
FINAL = frozenset({"done", "stopped"})  # the last reply of an exchange: the environment is free
INIT_TIMEOUT = 30.0  # seconds an environment may take to import the handler (Lambda: 10)
SHUTDOWN_TIMEOUT = 5.0  # seconds for the handler's lifespan shutdown at exit
CANCEL_TIMEOUT = 5.0  # seconds for an app to stop once its stream's client went away
GRACE = 1.0  # past the timeout an invocation has timed out (the handler's own 504 comes first)


class InvocationFailed(Exception):
    """The handler raised, or its environment died: the front door answers 502."""


class Busy(Exception):
    """Every environment stayed busy for the whole timeout."""


class Environment:
    """One execution environment: a process, the socket to it, and its replies as they come.

    The gateway's side of the pipe is an asyncio stream (the loop never blocks on a 6 MB
    event), speaking ``multiprocessing.Connection``'s framing, which the environment uses:
    a 4-byte big-endian length, then a pickle.
    """

    def __init__(
        self,
        number: int,
        process: BaseProcess,
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        timeout: float,
    ) -> None:
        self.number = number
        self.timeout = timeout  # the function's timeout, as --timeout sets it
        self.process = process
        self.reader, self.writer = streams
        self.replies: asyncio.Queue[Reply] = asyncio.Queue()
        self.busy = False  # an invocation was sent and its last reply not yet read
        self.dead = False  # its process has gone (its pipe closed): never to be leased again
        self.reading = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        reader = self.reader
        try:
            while True:
                (size,) = struct.unpack("!i", await reader.readexactly(4))
                if size == -1:  # Connection's form for 2 GiB and more
                    (size,) = struct.unpack("!Q", await reader.readexactly(8))
                self.replies.put_nowait(pickle.loads(await reader.readexactly(size)))
        except (asyncio.IncompleteReadError, ConnectionError):  # the process died: say so
            self.dead = True
            self.replies.put_nowait(("failed", f"environment {self.number} exited"))

    async def _send(self, message: tuple[str, Any]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(struct.pack("!i", len(data)) + data)
        await self.writer.drain()

    async def reply(self, limit: float | None = None) -> Reply:
        """The next reply.  By default the wait is the function's timeout (and a grace): a
        handler silent for longer is stuck, and the invocation timed out, as Lambda says."""
        try:
            reply = await asyncio.wait_for(self.replies.get(), limit or self.timeout + GRACE)
        except asyncio.TimeoutError:
            if limit is not None:
                raise TimeoutError(f"environment {self.number}: silent for {limit:.0f} s") from None
            raise TimeoutError(
                f"Task timed out after {self.timeout:.2f} seconds (--timeout)"
            ) from None
        if reply[0] in FINAL:
            self.busy = False
        return reply

    async def invoke(self, event: Any) -> None:
        """Send one invocation; its replies are then read with ``reply``."""
        self.busy = True
        try:
            await self._send(("invoke", (event, self.timeout)))
        except OSError as exc:  # it died between two invocations
            self.dead = True
            raise InvocationFailed(f"environment {self.number} exited ({exc})") from None

    async def settle(self, limit: float | None = None) -> None:
        """Wait for the invocation's work after its answer (``done``); an environment still
        busy past ``limit`` in all (the function's timeout and a grace by default) stays busy,
        and is retired."""
        loop = asyncio.get_running_loop()
        until = loop.time() + (limit or self.timeout + GRACE)
        try:
            while self.busy and not self.dead:
                left = until - loop.time()
                if left <= 0 or (await self.reply(left))[0] in FINAL:
                    break
        except TimeoutError:
            pass
        if self.busy and not self.dead:
            logger.warning("environment %d did not finish its invocation in time", self.number)

    async def abandon(self) -> None:
        """The client of the stream being served went away: stop the app and wait until the
        environment is free again; one whose app does not stop within ``CANCEL_TIMEOUT`` stays
        busy, so its lease retires it (killed)."""
        if not self.busy:  # the invocation had ended as the client left
            return
        try:
            await self._send(("cancel", None))
        except OSError:
            return
        await self.settle(CANCEL_TIMEOUT)

    def kill(self) -> None:
        self.reading.cancel()
        self.process.kill()
        self.writer.close()

    async def stop(self) -> None:
        """Lifespan shutdown in the environment, then its exit (killed if it will not)."""
        try:
            await self._send(("shutdown", None))
            await self.reply(SHUTDOWN_TIMEOUT)
        except (OSError, TimeoutError):
            logger.warning("environment %d did not shut down in time: killed", self.number)
        self.kill()


class Environments:
    """The pool: idle environments reused newest first (the warm one), new ones on demand."""

    def __init__(self, target: str, source: str, limit: int, timeout: float) -> None:
        self.target = target
        self.source = source
        self.limit = limit
        self.timeout = timeout  # the function's
        self.idle: list[Environment] = []
        self.running: set[Environment] = set()  # every live one, idle or busy
        self.starting = 0  # being started: they count against the limit too
        self.started = 0
        self.freed = asyncio.Condition()

    async def start(self) -> Environment:
        """A new environment, once its handler is imported (a failure raises its message)."""
        self.started += 1
        number = self.started
        context = multiprocessing.get_context("spawn")
        pipe, child = context.Pipe()
        process = context.Process(
            target=environment_main,
            args=(child, self.target, self.source),
            name=f"lambda-environment-{number}",
            daemon=True,
        )
        process.start()
        child.close()
        sock = socket.socket(fileno=os.dup(pipe.fileno()))
        pipe.close()
        streams = await asyncio.open_connection(sock=sock)
        environment = Environment(number, process, streams, self.timeout)
        try:
            kind, value = await environment.reply(INIT_TIMEOUT)
        except TimeoutError:
            environment.kill()
            raise InvocationFailed(f"the handler's init took over {INIT_TIMEOUT:.0f} s") from None
        if kind != "ready":
            environment.kill()
            raise InvocationFailed(str(value))
        return environment

    def _retire(self, environment: Environment) -> None:
        environment.kill()
        self.running.discard(environment)

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[Environment]:
        """An environment for one invocation; killed unless the invocation ran to its end
        (a timeout, a cut stream: its late replies must not reach the next invocation)."""
        environment = await self._acquire()
        try:
            yield environment
        finally:
            async with self.freed:
                if not (environment.busy or environment.dead) and environment.process.is_alive():
                    self.idle.append(environment)
                else:
                    self._retire(environment)
                self.freed.notify()

    async def _acquire(self) -> Environment:
        async with self.freed:
            try:
                await asyncio.wait_for(
                    self.freed.wait_for(lambda: bool(self.idle) or self._room()), self.timeout
                )
            except asyncio.TimeoutError:
                raise Busy(
                    f"all {self.limit} environments stayed busy for {self.timeout:.0f} s "
                    "(--concurrency)"
                ) from None
            if self.idle:
                return self.idle.pop()
            self.starting += 1
        return await self._start_counted()

    def _room(self) -> bool:
        return len(self.running) + self.starting < self.limit

    async def _start_counted(self) -> Environment:
        """``start()``, counted against the limit while it starts (``self.starting``)."""
        try:
            environment = await self.start()
            self.running.add(environment)
            return environment
        finally:
            async with self.freed:
                self.starting -= 1
                self.freed.notify()

    async def warm(self) -> None:
        """Start the first environment before the first request (sam's EAGER warm containers)."""
        async with self.freed:
            self.starting += 1
        environment = await self._start_counted()
        async with self.freed:
            self.idle.append(environment)
            self.freed.notify()

    async def close(self) -> None:
        """Each idle environment's lifespan shutdown and exit; busy ones (a stream still open at
        Ctrl-C) are killed, as Lambda ends environments at shutdown."""
        idle, self.idle = self.idle, []
        for environment in self.running - set(idle):
            self._retire(environment)
        await asyncio.gather(*(environment.stop() for environment in idle))
        self.running.clear()


def environment_main(pipe: Connection, target: str, source: str) -> None:
    """The environment's process: import the handler, then serve invocations until shutdown."""
    from .._context import LambdaContext
    from .._lifespan import shutdown_all
    from .._target import TargetError, load_target
    from ._streaming import serve_streaming, streaming_adapter

    # Ctrl-C and SIGTERM reach the whole process group: the gateway, not each environment,
    # decides when an environment stops (its lifespan shutdown comes with "shutdown").
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        handler = load_target(target).handler
    except TargetError as exc:
        pipe.send(("failed", str(exc)))
        return
    streaming = streaming_adapter(handler) if source == "function-url" else None
    pipe.send(("ready", None))
    push: Callable[[Reply], None] = _sender(pipe)
    while True:
        try:
            kind, value = pipe.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if kind == "shutdown":
            shutdown_all()
            pipe.send(("stopped", None))
            return
        if kind == "cancel":  # for a stream that had ended as its client went away
            continue
        event, timeout = value
        context = LambdaContext(function_name="asgi-lambda-local", timeout=timeout)
        if streaming is not None:
            serve_streaming(streaming, event, context, push, pipe)
        else:
            try:
                result = handler(event, context)
            except Exception as exc:
                push(("failed", exc))
            else:
                push(("result", result))
        push(("done", None))  # free for the next invocation


def _sender(pipe: Connection) -> Callable[[Reply], None]:
    """Replies through the pipe; exceptions as their text (they may not pickle)."""

    def push(reply: Reply) -> None:
        kind, value = reply
        if isinstance(value, BaseException):
            value = f"{type(value).__name__}: {value}"
        pipe.send((kind, value))

    return push
