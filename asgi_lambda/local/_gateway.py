"""The local front door: an ASGI app (served by uvicorn) that plays API Gateway for a handler.

Each HTTP request becomes the event the chosen source sends, the handler runs in an execution
environment of its own (a process serving one invocation at a time, with its own event loop
and lifespan, as Lambda's; ``_environments``), and its answer is turned back into HTTP as AWS
does.  With WebSocket
support, ``/`` also takes WebSocket connections (``$connect``, messages, ``$disconnect``) and
``/@connections/{id}`` is the Management API the handler posts to.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .._types import Message, Receive, Scope, Send
from ._environments import Busy, Environments, InvocationFailed
from ._events import http_event, websocket_event
from ._responses import ContractError, HTTPAnswer, http_answer, refusal
from ._streaming import CLIENT_GONE, ClientGone, StreamTimedOut, relay

logger = logging.getLogger("asgi_lambda.local")
API_GATEWAY_LIMIT = 29.0  # seconds API Gateway waits for an HTTP integration


@dataclass
class Settings:
    source: str = "http-api-v2"
    stage: str = "dev"
    timeout: float = 30.0
    binary_media_types: tuple[str, ...] = ()
    websocket: bool = False
    concurrency: int = 10
    colour: bool = field(default_factory=lambda: sys.stderr.isatty())


@dataclass
class _Connection:
    socket_send: Send
    loop: asyncio.AbstractEventLoop
    connected_at: int
    source_ip: str
    user_agent: str
    last_active: int = 0
    closed: bool = False


class LocalGateway:
    """See the module docstring; ``target`` names the Lambda handler (``module.attr``)."""

    def __init__(self, target: str, settings: Settings) -> None:
        self.settings = settings
        self.environments = Environments(
            target, settings.source, settings.concurrency, settings.timeout
        )
        self.connections: dict[str, _Connection] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            if self.settings.websocket:
                await self._websocket(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
        elif self.settings.websocket and scope["path"].startswith("/@connections/"):
            await self._management(scope, receive, send)
        else:
            await self._http(scope, receive, send)

    async def invoke(
        self, event: Any, send: Send | None = None, receive: Receive | None = None
    ) -> tuple[int, Any, int]:
        """One invocation in a free environment: ``(streamed status or 0, result, env)``.

        With ``send`` and ``receive`` (an HTTP request), a streamed answer goes straight to the
        client, and stops if the client goes away.
        """
        async with self.environments.lease() as environment:
            await environment.invoke(event)
            try:
                if send is None or receive is None:
                    kind, result = await environment.reply()
                    if kind == "failed":
                        raise InvocationFailed(result)
                    status = 0
                else:
                    status, result = await relay(environment.reply, send, receive)
            except ClientGone:
                await environment.abandon()
                raise ClientGone(environment.number) from None
            except (InvocationFailed, ConnectionAbortedError) as exc:
                if not isinstance(exc, StreamTimedOut):  # a stuck one is retired at once
                    await environment.settle()  # it answered; its work after that may run on
                raise
            # Free once its work after the answer is over too (the client has its answer): the
            # access line, written after this, counts that work, as Lambda's duration does.
            await environment.settle()
            return status, result, environment.number

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """The server's own lifespan: the first environment at startup; at shutdown (Ctrl-C,
        SIGTERM, a reload) each environment's lifespan shutdown, then its exit."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.environments.warm()
                except InvocationFailed as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.environments.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        settings = self.settings
        body = await _read_body(receive)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        path = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"]
        if settings.source == "rest":
            prefix = f"/{settings.stage}"
            if path != prefix and not path.startswith(prefix + "/"):
                body = b'{"message":"Missing Authentication Token"}'  # REST's answer off-stage
                await _reply(send, 403, body, "application/json")
                self._log(scope, 403, started, "not under the stage /" + settings.stage)
                return
            path = path[len(prefix) :] or "/"
        client = scope.get("client") or ("127.0.0.1", 0)
        event = http_event(
            settings.source,
            scope["method"],
            path,
            scope["query_string"].decode("latin-1"),
            headers,
            body,
            client[0],
            settings.stage,
        )
        refused = refusal(settings.source, len(body), event)
        if refused is not None:  # too large to reach the function, as the front door says
            answer, why = refused
            await self._send_answer(send, answer)
            self._log(scope, 413, started, why)
            return
        environment = 0
        try:
            streamed, result, environment = await self.invoke(event, send, receive)
            if streamed:
                self._log(scope, streamed, started, "streamed", environment)
                return
        except ClientGone as gone:  # its environment stopped the app
            self._log(scope, 200, started, CLIENT_GONE, gone.environment)
            return
        except ConnectionAbortedError:
            self._log(scope, 200, started, "stream cut short by an app error")
            raise
        except Busy as exc:  # Lambda would throttle: 429 from a Function URL, 503 elsewhere
            logger.error("%s: answering 429", exc)
            await _reply(send, 429, b'{"message":"Rate Exceeded."}', "application/json")
            self._log(scope, 429, started, str(exc))
            return
        except TimeoutError as exc:  # the function failed: API Gateway and ALB answer 502
            logger.error("%s: answering 502", exc)
            await self._bad_gateway(send)
            self._log(scope, 502, started, str(exc))
            return
        except InvocationFailed as exc:
            logger.error("the handler raised %s (answering 502)", exc)
            await self._bad_gateway(send)
            self._log(scope, 502, started, "the invocation failed")
            return
        accept = next((v for k, v in headers if k.lower() == "accept"), "")
        try:
            answer = http_answer(settings.source, result, settings.binary_media_types, accept)
        except ContractError as exc:
            logger.error("answering 502: %s", exc)
            await self._bad_gateway(send)
            self._log(scope, 502, started, str(exc), environment)
            return
        if answer.warning:
            logger.warning("%s %s: %s", scope["method"], scope["path"], answer.warning)
        await self._send_answer(send, answer)
        why = _past_api_gateway(settings.source, started)
        self._log(scope, answer.status, started, why, environment)

    async def _send_answer(self, send: Send, answer: HTTPAnswer) -> None:
        raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers
            if k.lower() != "content-length"  # the body's own length: it may be base64 text now
        ]
        raw.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": raw})
        await send({"type": "http.response.body", "body": answer.body})

    async def _bad_gateway(self, send: Send) -> None:
        """The 502 the source itself sends when the function fails or breaks its contract."""
        if self.settings.source.startswith("alb"):
            page = (
                b"<html><head><title>502 Bad Gateway</title></head><body>"
                b"<center><h1>502 Bad Gateway</h1></center></body></html>\n"
            )
            await _reply(send, 502, page, "text/html")
        else:
            await _reply(send, 502, b'{"message":"Internal server error"}', "application/json")

    # WebSocket API

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()  # websocket.connect
        connection_id = uuid.uuid4().hex[:12] + "="
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        host = next((v for k, v in headers if k.lower() == "host"), "localhost")
        client = (scope.get("client") or ("127.0.0.1", 0))[0]
        connected_at = int(time.time() * 1000)
        event = websocket_event(
            "CONNECT",
            "$connect",
            connection_id,
            host,
            self.settings.stage,
            client,
            connected_at,
            headers,
            scope["query_string"].decode("latin-1"),
        )
        answer = await self._ws_invoke(event)
        status = answer.get("statusCode", 200) if isinstance(answer, dict) else 200
        if not 200 <= status < 300:
            await send({"type": "websocket.close", "code": 1008})  # uvicorn answers 403
            return
        accept: Message = {"type": "websocket.accept"}
        protocol = (answer.get("headers") or {}).get("Sec-WebSocket-Protocol") or (
            answer.get("headers") or {}
        ).get("sec-websocket-protocol")
        if protocol:
            accept["subprotocol"] = protocol
        await send(accept)
        agent = next((v for k, v in headers if k.lower() == "user-agent"), "")
        connection = _Connection(send, asyncio.get_running_loop(), connected_at, client, agent)
        self.connections[connection_id] = connection
        close_code = 1000
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    close_code = message.get("code", 1005)
                    break
                data = message.get("text")
                raw = data.encode() if data is not None else message.get("bytes") or b""
                connection.last_active = int(time.time() * 1000)
                event = websocket_event(
                    "MESSAGE",
                    _route(data),
                    connection_id,
                    host,
                    self.settings.stage,
                    client,
                    connected_at,
                    body=raw,
                )
                await self._ws_invoke(event)
        finally:
            connection.closed = True
            self.connections.pop(connection_id, None)
            event = websocket_event(
                "DISCONNECT",
                "$disconnect",
                connection_id,
                host,
                self.settings.stage,
                client,
                connected_at,
            )
            event["requestContext"]["disconnectStatusCode"] = close_code
            await self._ws_invoke(event)

    async def _ws_invoke(self, event: Any) -> Any:
        """One WebSocket invocation, logged as ``"$connect abc123=" 200 ... websocket env 1``."""
        started = time.perf_counter()
        context = event["requestContext"]
        what = f"{context['routeKey']} {context['connectionId']}"
        try:
            _, answer, environment = await self.invoke(event)
        except (Busy, TimeoutError, InvocationFailed) as exc:
            logger.error("the handler failed on a WebSocket %s: %s", _route_of(event), exc)
            self._line(what, 500, started, "websocket", str(exc), 0)
            return {"statusCode": 500}
        status = answer.get("statusCode", 200) if isinstance(answer, dict) else 200
        self._line(
            what, status if isinstance(status, int) else 200, started, "websocket", "", environment
        )
        return answer

    async def _management(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection_id = unquote(scope["path"][len("/@connections/") :])
        body = await _read_body(receive)
        connection = self.connections.get(connection_id)
        method = scope["method"]
        if connection is None or connection.closed:
            await _reply(send, 410, b'{"message":"Gone"}', "application/json", gone=True)
            return
        if method == "POST":
            text = body.decode("utf-8", "replace")
            await connection.socket_send({"type": "websocket.send", "text": text})
            await _reply(send, 200, b"", "application/json")
        elif method == "GET":
            info = {
                "connectedAt": _iso(connection.connected_at),
                "lastActiveAt": _iso(connection.last_active or connection.connected_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            }
            await _reply(send, 200, json.dumps(info).encode(), "application/json")
        elif method == "DELETE":
            connection.closed = True
            await connection.socket_send({"type": "websocket.close", "code": 1000})
            await _reply(send, 204, b"", "application/json")
        else:
            await _reply(send, 405, b'{"message":"Method Not Allowed"}', "application/json")

    def _log(
        self, scope: Scope, status: int, started: float, why: str = "", environment: int = 0
    ) -> None:
        path = scope["path"] + (
            f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        )
        self._line(
            f"{scope['method']} {path}", status, started, self.settings.source, why, environment
        )

    def _line(
        self, what: str, status: int, started: float, source: str, why: str, environment: int
    ) -> None:
        """The access log line: ``"GET /x" 200 3.1ms http-api-v2 env 1 (why)``."""
        duration = (time.perf_counter() - started) * 1000
        text = str(status)
        if self.settings.colour:
            colour = "32" if status < 400 else "33" if status < 500 else "31"
            text = f"\x1b[{colour}m{status}\x1b[0m"
        suffix = f" ({why})" if why else ""
        where = f" env {environment}" if environment else ""
        print(
            f'"{what}" {text} {duration:.1f}ms {source}{where}{suffix}',
            file=sys.stderr,
            flush=True,
        )


def _past_api_gateway(source: str, started: float) -> str:
    """A note when a request took longer than a deployed API Gateway would have waited."""
    if source in ("function-url", "alb") or time.perf_counter() - started <= API_GATEWAY_LIMIT:
        return ""
    return f"past API Gateway's {API_GATEWAY_LIMIT:.0f} s limit: deployed, this is a 504"


def _route(text: str | None) -> str:
    """``$request.body.action``: a JSON message's ``action``, else ``$default``."""
    if text:
        try:
            action = json.loads(text).get("action")
        except (ValueError, AttributeError):
            action = None
        if isinstance(action, str) and action:
            return action
    return "$default"


def _route_of(event: Any) -> str:
    return str(event.get("requestContext", {}).get("routeKey", "?"))


def _iso(millis: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis / 1000)) + "Z"


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _reply(
    send: Send, status: int, body: bytes, content_type: str, gone: bool = False
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
    if gone:
        headers.append((b"x-amzn-errortype", b"GoneException"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
