"""Runs an ASGI app for one WebSocket invocation, and ends the run once the app is idle.

API Gateway gives each event its own invocation, so one app run covers one event: a
``websocket.connect`` first (on messages and ``$disconnect`` the app's accept is absorbed: the
connection is already open), then the event's own message, if any.  After that the app usually
asks for the next message, and in Lambda there is none until another invocation.  Telling the
app the client left (``websocket.disconnect``) would be a lie that runs its "client left" code
on every message, so instead that ``receive()`` never returns, and once the app is waiting there
with no send in flight the run is cancelled.  ``except WebSocketDisconnect`` handlers do not run;
``finally`` blocks do (Starlette's ``WebSocketEndpoint.on_disconnect`` is called from one, which is
why ``Connection.event_type`` tells a real ``$disconnect`` apart).  Sends and closes made while
the run unwinds are ignored: they react to the cancellation, and the connection is still open.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from .._loop import abandon
from .._types import ASGIApp, Message, RawHeaders, Scope

logger = logging.getLogger("asgi_lambda")

Deliver = Callable[[bytes], Awaitable[bool]]
GONE_CODE = 1006  # the close code a vanished connection gets (no close frame was seen)
# Loop turns granted to tasks that are already runnable before the app is declared idle, so a
# send the app scheduled just before waiting still goes out.
SETTLE_TURNS = 3
# How long a cancelled run may take to unwind before it is left behind (with an error logged).
TEARDOWN_TIMEOUT = 5.0


class WebSocketExchange:
    """The receive/send pair handed to the app for one invocation, and what it sent.

    ``deliver`` posts to the connection (False: it is gone); None drops sends, for ``$connect``
    (API Gateway opens the connection only after answering) and ``$disconnect`` (it is closed).
    """

    def __init__(
        self, incoming: Iterable[Message], deliver: Deliver | None, *, denial: bool = False
    ) -> None:
        self.incoming: deque[Message] = deque(incoming)
        self.deliver = deliver
        self.denial_allowed = denial
        self.accepted = False
        self.subprotocol: str | None = None
        self.accept_headers: RawHeaders = []
        self.close_code: int | None = None
        self.gone = False
        self.denial_status: int | None = None
        self.denial_headers: RawHeaders = []
        self.denial_body: list[bytes] = []
        self.denial_complete = False
        self.dropped = 0
        self.ending = False  # the run is being cancelled: the connection itself stays open
        self._disconnect_sent = False
        self._waiting = False
        self._in_flight = 0
        self._idle = asyncio.Event()

    async def receive(self) -> Message:
        if self.ending:  # teardown code waiting for input: the run is over
            raise asyncio.CancelledError
        if self.incoming:
            return self.incoming.popleft()
        ended = self.close_code is not None or self.gone or self.denial_status is not None
        if ended and not self._disconnect_sent:
            self._disconnect_sent = True
            code = GONE_CODE if self.gone else (self.close_code or 1000)
            return {"type": "websocket.disconnect", "code": code}
        # Nothing more arrives in this invocation: wait here until the run is cancelled.
        self._waiting = True
        self._check_idle()
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable: the idle wait is only ever cancelled")

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self.ending and kind in ("websocket.send", "websocket.close"):
            # Teardown code (a finally block) reacting to the cancellation, not to the client:
            # a close here would shut a connection that is still open.
            logger.debug("ignoring %r sent while the websocket run was cancelled", kind)
            return
        if kind == "websocket.accept":
            self._accept(message)
        elif kind == "websocket.send":
            await self._send(message)
        elif kind == "websocket.close":
            if self.close_code is None:
                self.close_code = int(message.get("code") or 1000)
        elif kind == "websocket.http.response.start":
            self._denial_start(message)
        elif kind == "websocket.http.response.body":
            if self.denial_status is None or self.denial_complete:
                raise RuntimeError("ASGI 'websocket.http.response.body' out of order")
            self.denial_body.append(bytes(message.get("body", b"")))
            self.denial_complete = not message.get("more_body", False)
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} on a websocket")

    def _accept(self, message: Message) -> None:
        if self.close_code is not None or self.denial_status is not None:
            raise RuntimeError("ASGI 'websocket.accept' sent after the handshake was refused")
        if not self.accepted:
            self.accepted = True
            self.subprotocol = message.get("subprotocol")
            self.accept_headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]

    async def _send(self, message: Message) -> None:
        if not self.accepted:
            raise RuntimeError("ASGI 'websocket.send' before 'websocket.accept'")
        if self.close_code is not None:
            raise RuntimeError("ASGI 'websocket.send' after 'websocket.close'")
        payload = _payload(message)
        if self.gone:
            return
        if self.deliver is None:
            self.dropped += 1
            return
        self._in_flight += 1
        try:
            delivered = await self.deliver(payload)
        finally:
            self._in_flight -= 1
            self._check_idle()
        if not delivered:
            self.gone = True

    def _denial_start(self, message: Message) -> None:
        if not self.denial_allowed:
            raise RuntimeError("the websocket.http.response extension is offered on $connect only")
        if self.accepted or self.denial_status is not None or self.close_code is not None:
            raise RuntimeError("ASGI 'websocket.http.response.start' after the handshake answer")
        self.denial_status = int(message["status"])
        self.denial_headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]

    def _check_idle(self) -> None:
        if self._waiting and self._in_flight == 0:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Return once the app waits for a message that will not come and nothing is in flight."""
        while True:
            await self._idle.wait()
            for _ in range(SETTLE_TURNS):
                await asyncio.sleep(0)
            if self._waiting and self._in_flight == 0:
                return
            self._idle.clear()


ABANDON_AFTER = 0.1  # seconds an app cancelled at the deadline has to finish its cleanup


async def run_websocket_app(app: ASGIApp, scope: Scope, exchange: WebSocketExchange) -> None:
    """Run the app until it returns or idles; its own exceptions are raised from here."""
    task = asyncio.ensure_future(app(scope, exchange.receive, exchange.send))
    idle = asyncio.ensure_future(exchange.wait_idle())
    try:
        await asyncio.wait({task, idle}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # The invocation's deadline: the app gets a moment for its own cleanup, and an app
        # that swallows the cancellation is abandoned, so it cannot run into later invocations.
        task.cancel()
        try:
            await asyncio.wait({task}, timeout=ABANDON_AFTER)
        finally:  # also when this run is itself abandoned while waiting (GeneratorExit)
            if not task.done():
                logger.error("websocket app ignored its cancellation at the deadline: abandoning")
                abandon(task)
        raise
    except GeneratorExit:
        # This run itself is being abandoned (_loop.run, at the hard deadline): so is the app.
        if not task.done():
            abandon(task)
        raise
    finally:
        idle.cancel()
    await asyncio.wait({idle})
    if not task.done():
        exchange.ending = True
        task.cancel()
        await asyncio.wait({task}, timeout=TEARDOWN_TIMEOUT)
        if not task.done():
            logger.error(
                "ASGI app still running %.0fs after its idle websocket run was cancelled: "
                "leaving it behind",
                TEARDOWN_TIMEOUT,
            )
            return
        if task.cancelled():
            return
    task.result()  # the app's exception, if any (a CancelledError of its own propagates)


def _payload(message: Message) -> bytes:
    """A ``websocket.send``'s data as bytes, typed as uvicorn takes it: ``bytes`` bytes-like,
    ``text`` a ``str`` (an ``int`` is the app's error, not silently made text)."""
    data = message.get("bytes")
    if data is not None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"ASGI 'websocket.send' bytes must be bytes, not {type(data).__name__}")
        return bytes(data)
    text = message.get("text")
    if text is None:
        return b""
    if not isinstance(text, str):
        raise TypeError(f"ASGI 'websocket.send' text must be str, not {type(text).__name__}")
    return text.encode("utf-8")
