"""The invocation loop: ``/next``, serve, post, work after the response, ``/next`` again.

One loop per execution environment, the adapter's own (``asgi_lambda._loop``), so lifespan
state, pools and deadlines work as they do under ``asgi_handler``.  With
``AWS_LAMBDA_MAX_CONCURRENCY`` above 1 (Lambda Managed Instances), that many slots each run
this loop on a connection of their own, side by side on the one event loop, sharing the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from .._deadline import Deadline
from .._handler import Outcome
from .._http.response import Response
from .._loop import DeadlineExceededError, wait_until
from .._target import Target
from .._version import __version__
from . import _logging
from ._address import RuntimeAddress
from ._connection import AsyncConnection, BlockingConnection, Reply, RuntimeAPIError, _Connection
from ._context import RuntimeContext
from ._errors import InvocationError, fault, make_error
from ._json import Codec
from ._posts import Call, Fatal, Poster, PostFailed, echo_header
from ._streaming import DELIMITER, HTTP_INTEGRATION, ResponseStream, prelude

logger = logging.getLogger("asgi_lambda.runtime")

USER_AGENT = f"User-Agent: asgi-lambda/{__version__}\r\n".encode("latin-1")
JSON_TYPE = USER_AGENT + b"Content-Type: application/json\r\n"
BYTES_TYPE = USER_AGENT + b"Content-Type: application/unknown\r\n"
POST_TIMEOUT = 0.2  # seconds for a post after SIGTERM: Lambda's SIGKILL follows in 300-600 ms


class Runtime:
    """Serves invocations of ``target`` from the Runtime API at ``address``."""

    def __init__(
        self, address: RuntimeAddress, target: Target, stream: bool, concurrency: int = 1
    ) -> None:
        self.address = address
        self.target = target
        self.stream = stream
        self.concurrency = max(concurrency, 1)
        self._next = address.path("/invocation/next")
        self._next_request = b""  # GET /next as sent, for pipelining (_next_ahead)
        self.posts = Poster(address, self.concurrency, JSON_TYPE, BYTES_TYPE)
        self.stopping = False  # SIGTERM came: no new invocations
        self.running: dict[str, Call] = {}  # invocations on a slot, answered or not, by id
        self._waiting: set[_Connection] = set()  # connections waiting for /next
        self._task: asyncio.Task[Any] | None = None
        self.wakeup: int | None = None  # the signal wake-up pipe (set by main)
        self._default_timeout = target.adapter.options.default_timeout if target.adapter else 30.0
        self.codec = Codec()  # after the handler's import: pydantic_core if the app has it

    async def serve_forever(self) -> None:
        """Serve until SIGTERM (``stop``); then the invocations in flight finish (or are cut
        at the grace: ``begin_grace``) and this returns."""
        self._task = asyncio.current_task()
        if self.concurrency == 1:
            await self.slot(BlockingConnection(self.address, wakeup=self.wakeup))
            return
        if self.wakeup is not None:  # the loop wakes for a signal, and its handler runs
            asyncio.get_running_loop().add_reader(self.wakeup, _drain, self.wakeup)
        slots = [self.slot(AsyncConnection(self.address)) for _ in range(self.concurrency)]
        await asyncio.gather(*slots)

    def stop(self) -> None:
        """SIGTERM, from the signal handler: take no new invocation (the waits for ``/next``
        are woken); those in flight go on, to be posted before the runtime exits."""
        self.stopping = True
        for connection in list(self._waiting):
            connection.interrupt()

    def begin_grace(self, grace: float) -> None:
        """On the loop, after ``stop``: what is still running ``grace`` seconds on (an app, or
        its work after the response) is cut."""
        if self.running:
            logger.warning(
                "SIGTERM: taking no new invocations; %d in flight get %.2f s to finish",
                len(self.running),
                grace,
            )
            asyncio.get_running_loop().call_later(grace, self._cut)

    def _cut(self) -> None:
        task = self._task
        if self.running and task is not None and not task.done():
            task.cancel()

    async def slot(self, connection: _Connection, invocations: int | None = None) -> None:
        """Take invocations one after the other on ``connection`` (until SIGTERM, or counted)."""
        served = 0
        waiting = self._waiting
        while invocations is None or served < invocations:
            waiting.add(connection)  # before the check: a SIGTERM between the two wakes it
            try:
                if self.stopping:
                    return
                reply = await connection.exchange("GET", self._next, USER_AGENT)
            except OSError:  # RuntimeAPIError too
                if self.stopping:
                    return
                raise
            finally:
                waiting.discard(connection)
            if reply.status != 200:
                raise RuntimeAPIError(
                    f"GET {self._next} answered {reply.status}: {reply.body[:200]!r} "
                    "(is AWS_LAMBDA_RUNTIME_API the Runtime API, with its path prefix?)"
                )
            await self.invoke(connection, reply)
            served += 1

    async def invoke(self, connection: _Connection, reply: Reply) -> None:
        headers = reply.headers
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        token = _logging.request_id.set(request_id)
        tenant = _logging.tenant_id.set(headers.get("lambda-runtime-aws-tenant-id"))
        call = Call(request_id, echo_header(headers))
        outcome: Outcome | None = None
        running = self.running
        running[request_id] = call
        cut = False  # by SIGTERM's grace: report_cut says so, if no answer had been posted
        try:
            outcome = await self._answer(connection, call, reply.body, headers)
        except PostFailed as exc:  # the answer may have arrived: it is not sent again
            logger.error("%s", exc)
        except Fatal:
            raise
        except asyncio.CancelledError:
            cut = True
            raise
        except Exception as exc:
            try:
                await self.posts.error(connection, call, fault(exc, request_id))
            except PostFailed as failed:
                logger.error("%s", failed)
        finally:
            try:
                if not cut and outcome is not None and outcome.request is not None:
                    await _after(outcome.request.after, outcome.request.deadline)
            finally:
                if not cut:
                    del running[request_id]
                _logging.request_id.reset(token)
                _logging.tenant_id.reset(tenant)

    async def _answer(
        self, connection: _Connection, call: Call, body: bytes, headers: dict[str, str]
    ) -> Outcome | None:
        context = RuntimeContext(headers, self._default_timeout)
        call.deadline_ms = context.deadline_ms
        try:
            event = self.codec.loads(body)
        except ValueError as exc:
            raise InvocationError(
                "Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}"
            ) from None
        target = self.target
        adapter = target.adapter
        if target.function is not None:  # a plain handler, or a decorated one's own function
            answer = target.function(event, context)
            if adapter is None or answer is not None:
                await self.posts.result(connection, call, answer)
                return None
        assert adapter is not None
        outcome = await adapter.invoke(event, context, self.stream)
        request = outcome.request
        if request is not None and request.after is not None and request.deadline is not None:
            request.deadline.arm_timer(request.after, asyncio.get_running_loop())
        if outcome.response is not None and outcome.source is not None:
            await self._stream(connection, call, outcome, event)
        elif outcome.error is not None:
            await self.posts.error(connection, call, fault(outcome.error, call.id))
        elif request is not None:  # an HTTP answer of the adapter's own making
            body = self.codec.dumps_answer(outcome.result)
            await self.posts.post(
                connection, call, "response", JSON_TYPE, body, self._next_ahead(connection, request)
            )
        else:  # an event handler's or a WebSocket route's value: json's rules, as awslambdaric's
            await self.posts.result(connection, call, outcome.result)
        return outcome

    def _next_ahead(self, connection: _Connection, request: Any) -> bytes:
        """``GET /next`` to send with the answer, when nothing else of this invocation is left
        to run (one slot, not stopping, the app done): what the loop would send next anyway,
        a system call sooner.  With work after the response pending, ``/next`` waits for it:
        Lambda may freeze the environment as soon as ``/next`` is asked."""
        after = request.after
        if self.concurrency != 1 or self.stopping or (after is not None and not after.done()):
            return b""
        if not self._next_request:  # the same bytes for every connection: made once
            self._next_request = connection.head("GET", self._next, USER_AGENT)
        return self._next_request

    def report_cut(self) -> None:
        """After SIGTERM's grace: each invocation cut short before its answer was posted gets an
        error, as Lambda reports a runtime that exits mid-invocation, on a connection of its own
        (theirs was mid-request), each post bounded (Lambda's SIGKILL is near).  One whose
        answer was being posted is not posted again: an answer goes at most once."""
        if not self.running:
            return
        unanswered = sorted(i for i, call in self.running.items() if not call.posting)
        logger.error(
            "SIGTERM: %d invocation(s) still running at the end of the grace were cut: %s",
            len(self.running),
            ", ".join(sorted(self.running)),
        )
        loop = asyncio.get_event_loop()
        for request_id in unanswered:
            payload = make_error(
                "the execution environment shut down (SIGTERM) before the invocation finished",
                "Runtime.ExitError",
                [],
                request_id,
            )
            connection = BlockingConnection(self.address)
            call = Call(request_id, b"", None, POST_TIMEOUT)
            try:
                loop.run_until_complete(self.posts.error(connection, call, payload))
            except (PostFailed, RuntimeAPIError) as exc:
                logger.error("could not report %s as cut: %s", request_id, exc)
            finally:
                connection.close()
        self.running.clear()

    async def _stream(
        self, connection: _Connection, call: Call, outcome: Outcome, event: Any
    ) -> None:
        response, source, request = outcome.response, outcome.source, outcome.request
        assert response is not None and source is not None and request is not None
        path = self.address.path(f"/invocation/{call.id}/response")
        stream = ResponseStream(connection, path, call.echo)
        connection.limit = call.limit()  # each write and the reply: a hung API is not waited on
        connection.drop_if_closed()  # as before any post: not into a connection already closed
        call.posting = True
        try:
            await stream.start(HTTP_INTEGRATION, (prelude(source, response, event), DELIMITER))
            error: dict[str, Any] | None = None
            if response.stream is None:
                await stream.write(response.body)
            else:
                writer = asyncio.get_running_loop().create_task(_copy(response, stream))
                try:
                    assert request.deadline is not None
                    await wait_until(writer, request.deadline)
                    writer.result()
                except DeadlineExceededError:
                    error = {"errorType": "Runtime.Timeout", "errorMessage": "cut at the deadline"}
                except _ClientGone:
                    raise
                except Exception as exc:
                    error = fault(exc, call.id)
            self.posts.check(await stream.end(error), call, "streamed response")
        except Fatal:
            raise
        except (_ClientGone, OSError) as exc:
            _client_gone(connection, request, response, stream, exc)
        finally:
            connection.limit = None


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        os.read(fd, 512)


class _ClientGone(Exception):
    """Writing the stream failed: Lambda closed it, because the client went away."""


async def _copy(response: Response, stream: ResponseStream) -> None:
    assert response.stream is not None
    async for chunk in response.stream:
        try:
            await stream.write(chunk)
        except OSError as exc:
            raise _ClientGone(str(exc)) from exc


def _client_gone(
    connection: _Connection,
    request: Any,
    response: Response,
    stream: ResponseStream,
    error: BaseException,
) -> None:
    """Stop the app of a stream nobody reads any more; the connection is re-opened for /next."""
    logger.warning(
        "the response stream was closed after %d bytes (%s): the client went away; cancelling "
        "the app",
        stream.sent,
        error,
    )
    connection.close()
    after = request.after
    if after is not None and not after.done():
        after.cancel()
    body = response.stream
    if body is not None and hasattr(body, "aclose"):
        asyncio.get_running_loop().create_task(body.aclose())


async def _after(task: asyncio.Task[None] | None, deadline: Deadline | None) -> None:
    """Let the app finish its work after the response, up to the deadline; then disarm."""
    if deadline is None:
        return
    try:
        if task is not None and not task.done():
            await wait_until(task, deadline)
    except DeadlineExceededError:
        pass  # cancelled, or abandoned and logged, by the deadline
    except asyncio.CancelledError:
        current = asyncio.current_task()
        cancelling = getattr(current, "cancelling", None)  # 3.11+
        if not task or not task.cancelled() or (cancelling is not None and cancelling()):
            raise  # the runtime itself is being cancelled, not just the app we stopped
    finally:
        deadline.disarm()
