"""Serves API Gateway WebSocket events: ``$connect``, messages and ``$disconnect`` (SPEC section 8).

- ``$connect``: the app sees ``websocket.connect`` with the handshake's scope; accept -> 200 (with
  the chosen subprotocol), close or no answer -> 403, a ``websocket.http.response`` -> its status.
  On accept the scope is stored.
- a message: the stored scope is restored; ``websocket.connect`` (accept absorbed), then
  ``websocket.receive``; sends are posted to the connection, a close deletes it at API Gateway.
  A connection with no stored scope gets 410 without running the app: nothing is closed, since an
  eventually consistent store may simply not show a fresh ``$connect`` yet.
- ``$disconnect``: ``websocket.connect`` (absorbed), then ``websocket.disconnect`` with the close
  code; the stored scope and group memberships are removed.

Connection-store failures answer 500 with one log line and remove nothing; app errors answer 500
with the traceback logged, or propagate with ``propagate_exceptions``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Coroutine
from typing import Any

from .._deadline import Deadline, deadline_for
from .._errors import BadRequestError
from .._lifespan import LifespanCycle
from .._loop import DeadlineExceededError, get_loop, run, run_bounded
from .._options import Options
from .._sources._base import EventSource, grouped_headers
from .._sources.websocket import WebSocketEvent, connect_request, message_body, parse_event
from .._types import ASGIApp, LambdaContext, LambdaEvent, LambdaResponse, Message, Scope
from . import DEFAULT_DSN, Connection, WebSocketAPI, _management_api, store_for
from ._cycle import WebSocketExchange, run_websocket_app
from ._outage import begin_invocation, end_invocation
from ._scope import (
    CONNECTION_TTL,
    DENIAL_EXTENSION,
    dump_scope,
    load_scope,
    websocket_scope,
)
from .backends._base import BackendUnavailableError, ConnectionStore

logger = logging.getLogger("asgi_lambda")

CONNECT: Message = {"type": "websocket.connect"}
NO_STATUS_CODE = 1005  # RFC 6455: the close frame carried no status code
API_GATEWAY_TIMEOUT = 29.0  # seconds API Gateway waits for a WebSocket route's integration
MAX_APIS = 64  # Management API endpoints (domain and stage pairs) kept per environment


class _StoreFailed(Exception):
    """A connection-store call failed; the invocation answers 500."""


class WebSocketHandler:
    """Everything WebSocket built once per execution environment: the store and API clients."""

    def __init__(
        self,
        app: ASGIApp,
        options: Options,
        *,
        store: ConnectionStore | None = None,
        lifespan: LifespanCycle | None = None,
    ) -> None:
        self.app = app
        self.options = options
        self.store = store if store is not None else store_for(options.dsn or DEFAULT_DSN)
        self._local_store = bool(getattr(self.store, "local", False))
        # The option, else the environment (read once per environment), else from each event.
        self.endpoint_url = options.api_gateway_endpoint_url or _management_api.env_endpoint()
        # the adapter's own cycle (shared with HTTP requests), so startup runs once per environment
        self.lifespan = lifespan
        self._apis: dict[str, WebSocketAPI] = {}

    def __call__(
        self, event: LambdaEvent, context: LambdaContext, source: EventSource | None = None
    ) -> LambdaResponse:
        token = begin_invocation()
        try:
            work = self._prepared(event, context)
            if isinstance(work, dict):
                return work
            return run(*work)
        except DeadlineExceededError:
            return {"statusCode": 504}
        finally:
            end_invocation(token)

    async def invoke(self, event: LambdaEvent, context: LambdaContext) -> LambdaResponse:
        """``__call__`` for the native runtime, which is already running on the loop."""
        token = begin_invocation()
        try:
            work = self._prepared(event, context)
            if isinstance(work, dict):
                return work
            return await run_bounded(*work)
        except DeadlineExceededError:
            return {"statusCode": 504}
        finally:
            end_invocation(token)

    def _prepared(
        self, event: LambdaEvent, context: LambdaContext
    ) -> tuple[Coroutine[Any, Any, LambdaResponse], Deadline] | LambdaResponse:
        """The invocation's work and deadline, or the answer to an event that cannot be served."""
        try:
            model = parse_event(event)
            handshake = None
            if model.requestContext.eventType == "CONNECT":
                handshake = websocket_scope(connect_request(model, event, context))
            api = self._api_for(model)
        except UnicodeEncodeError as exc:
            # A lone surrogate (JSON's "\ud800") has no bytes: the client's error, as on HTTP.
            logger.warning("answering 400: text that is not valid Unicode (%s)", exc.reason)
            return {"statusCode": 400}
        except BadRequestError as exc:
            logger.warning("answering 400: %s", exc)
            return {"statusCode": 400}
        connection = Connection(
            api,
            model.requestContext.connectionId,
            model.requestContext.eventType,
            model.requestContext.routeKey,
        )
        options = self.options
        deadline = deadline_for(
            context,
            get_loop().time(),
            options.deadline_margin,
            options.default_timeout,
            cap=API_GATEWAY_TIMEOUT,  # API Gateway stops waiting then, whatever Lambda allows
        )
        return self._serve(model, handshake, event, context, connection, deadline), deadline

    def _api_for(self, model: WebSocketEvent) -> WebSocketAPI:
        """One API object per Management API endpoint, all sharing the store.

        At most ``MAX_APIS`` are kept (the oldest is dropped): the endpoint comes from the event,
        and a stream of odd domains must not grow the cache without end.
        """
        context = model.requestContext
        endpoint = self.endpoint_url or _management_api.default_endpoint(
            context.domainName, context.stage, context.apiId, self.options.api_gateway_region_name
        )
        if endpoint is None:
            raise BadRequestError(
                "WebSocket event without a usable requestContext.domainName, stage and apiId: "
                "set the api_gateway_endpoint_url option"
            )
        api = self._apis.get(endpoint)
        if api is None:
            region = self.options.api_gateway_region_name
            api = WebSocketAPI(endpoint, region_name=region, store=self.store)
            if len(self._apis) >= MAX_APIS:
                del self._apis[next(iter(self._apis))]
            self._apis[endpoint] = api
        return api

    async def _serve(
        self,
        model: WebSocketEvent,
        handshake: Scope | None,
        event: LambdaEvent,
        context: LambdaContext,
        conn: Connection,
        deadline: Deadline,
    ) -> LambdaResponse:
        try:
            if not await self._started(deadline):
                if conn.event_type == "DISCONNECT":  # the connection is gone all the same
                    await self._store(
                        "forgetting", conn.connection_id, self.store.delete, conn.connection_id
                    )
                return {"statusCode": 503 if self._startup_timed_out() else 500}
            if handshake is not None:
                return await self._connect(handshake, event, context, conn)
            if conn.event_type == "MESSAGE":
                return await self._message(model, event, context, conn)
            return await self._disconnect(model, event, context, conn)
        except _StoreFailed:
            return {"statusCode": 500}
        except asyncio.CancelledError:
            if not deadline.expired:
                raise
            deadline.acknowledge()
            logger.error(
                "websocket %s of connection %s was still running after %.3fs, at the "
                "invocation's deadline: answering 504",
                conn.event_type,
                conn.connection_id,
                get_loop().time() - deadline.started,
            )
            return {"statusCode": 504}

    async def _started(self, deadline: Deadline) -> bool:
        """Lifespan startup, given at most 90% of what the deadline leaves (as on HTTP)."""
        cycle = self.lifespan
        if cycle is None or cycle.serving:
            return True
        if await cycle.startup(deadline.remaining(get_loop().time()) * 0.9):
            return True
        status = 503 if cycle.timed_out else 500
        logger.error("answering %d: ASGI lifespan startup failed: %s", status, cycle.failure)
        return False

    def _startup_timed_out(self) -> bool:
        return self.lifespan is not None and self.lifespan.timed_out

    async def _connect(
        self, base: Scope, event: LambdaEvent, context: LambdaContext, conn: Connection
    ) -> LambdaResponse:
        scope = {**base, "extensions": dict(DENIAL_EXTENSION)}
        exchange = WebSocketExchange([CONNECT], None, denial=True)
        error = await self._run(self._with_invocation(scope, event, context, conn), exchange)
        if exchange.dropped:
            logger.warning(
                "dropped %d message(s) sent during $connect of websocket connection %s: API "
                "Gateway opens the connection only after $connect answers",
                exchange.dropped,
                conn.connection_id,
            )
        refused = error is not None or not exchange.accepted or exchange.close_code is not None
        if refused and conn.joined:
            await self._store(
                "forgetting", conn.connection_id, self.store.delete, conn.connection_id
            )
        if error is not None:
            return self._app_failed(error)
        if exchange.denial_status is not None:
            return _denial(exchange)
        if refused:
            return {"statusCode": 403}
        await self._store(
            "saving", conn.connection_id, self.store.save, conn.connection_id, dump_scope(base)
        )
        headers = exchange.accept_headers
        if exchange.subprotocol:  # the ASGI field wins over a header the app also set
            headers = [(k, v) for k, v in headers if k.lower() != b"sec-websocket-protocol"]
            headers.append((b"Sec-WebSocket-Protocol", exchange.subprotocol.encode("latin-1")))
        response: LambdaResponse = {"statusCode": 200}
        if headers:
            grouped = grouped_headers(headers)
            response["headers"] = {name: ", ".join(values) for name, values in grouped.items()}
        return response

    async def _message(
        self, model: WebSocketEvent, event: LambdaEvent, context: LambdaContext, conn: Connection
    ) -> LambdaResponse:
        try:
            data = message_body(model)
        except BadRequestError as exc:
            logger.warning("answering 400: %s", exc)
            return {"statusCode": 400}
        scope = await self._restore(conn)
        if scope is None:
            logger.warning(
                "no stored scope for websocket connection %s: answering 410 without running the "
                "app (was $connect stored with another dsn, or in another execution environment "
                "by the per-environment default store?)",
                conn.connection_id,
            )
            return {"statusCode": 410}
        key = "bytes" if isinstance(data, bytes) else "text"
        received: Message = {"type": "websocket.receive", key: data}

        api_client, connection_id = conn.api.client, conn.connection_id

        async def deliver(payload: bytes) -> bool:
            return await asyncio.to_thread(_management_api.post, api_client, connection_id, payload)

        exchange = WebSocketExchange([CONNECT, received], deliver)
        error = await self._run(self._with_invocation(scope, event, context, conn), exchange)
        if exchange.gone:
            await self._store("forgetting", connection_id, conn.api.forget, connection_id)
        elif exchange.close_code is not None:
            try:
                await asyncio.to_thread(_management_api.delete, api_client, connection_id)
            except Exception:
                logger.exception(
                    "closing websocket connection %s failed: answering 500", connection_id
                )
                return {"statusCode": 500}
            await self._store("forgetting", connection_id, self.store.delete, connection_id)
        if error is not None:
            return self._app_failed(error)
        return {"statusCode": 200}

    async def _disconnect(
        self, model: WebSocketEvent, event: LambdaEvent, context: LambdaContext, conn: Connection
    ) -> LambdaResponse:
        scope = await self._restore(conn)
        error: Exception | None = None
        if scope is None:
            logger.info(
                "websocket connection %s disconnected with no stored scope: not running the app",
                conn.connection_id,
            )
        else:
            request_context = model.requestContext
            disconnect: Message = {
                "type": "websocket.disconnect",
                "code": request_context.disconnectStatusCode or NO_STATUS_CODE,
                "reason": request_context.disconnectReason or "",
            }
            exchange = WebSocketExchange([CONNECT, disconnect], None)
            error = await self._run(self._with_invocation(scope, event, context, conn), exchange)
        await self._store("forgetting", conn.connection_id, self.store.delete, conn.connection_id)
        if error is not None:
            return self._app_failed(error)
        return {"statusCode": 200}

    def _with_invocation(
        self, scope: Scope, event: LambdaEvent, context: LambdaContext, conn: Connection
    ) -> Scope:
        scope["aws.event"] = event
        scope["aws.context"] = context
        scope["aws.websocket"] = conn
        if self.lifespan is not None:
            scope["state"] = self.lifespan.state.copy()
        return scope

    async def _restore(self, conn: Connection) -> Scope | None:
        text = await self._store("loading", conn.connection_id, self.store.load, conn.connection_id)
        if text is None:
            return None
        try:
            scope = load_scope(text)
        except ValueError as exc:
            logger.error("websocket connection %s: %s: answering 500", conn.connection_id, exc)
            raise _StoreFailed from exc
        if scope is None:
            logger.info(
                "websocket connection %s was stored over %d hours ago: treating it as gone",
                conn.connection_id,
                CONNECTION_TTL // 3600,
            )
            await self._store("forgetting", conn.connection_id, conn.api.forget, conn.connection_id)
        return scope

    async def _run(self, scope: Scope, exchange: WebSocketExchange) -> Exception | None:
        """Run the app; its exception is returned (and logged) so cleanup still happens."""
        try:
            await run_websocket_app(self.app, scope, exchange)
        except Exception as exc:
            connection = scope["aws.websocket"]
            logger.exception(
                "ASGI app raised handling websocket %s of connection %s: answering 500",
                connection.event_type,
                connection.connection_id,
            )
            return exc
        return None

    def _app_failed(self, error: Exception) -> LambdaResponse:
        if self.options.propagate_exceptions:
            raise error
        return {"statusCode": 500}

    async def _store(self, action: str, connection_id: str, call: Any, *args: Any) -> Any:
        """A store call; a failure logs one line and answers 500 (raises ``_StoreFailed``).

        A store on the network runs in a worker thread, so the invocation's deadline can cancel
        the wait: each call is bounded, but its bound (seconds) may exceed what a short Lambda
        timeout leaves.  Local stores (memory, SQLite) are called directly.
        """
        try:
            if self._local_store:
                return call(*args)
            return await asyncio.to_thread(call, *args)
        except BackendUnavailableError as exc:
            logger.error(
                "connection store unavailable while %s websocket connection %s: %s: answering 500",
                action,
                connection_id,
                exc,
            )
            raise _StoreFailed from exc
        except Exception as exc:
            logger.exception(
                "connection store failed while %s websocket connection %s: answering 500",
                action,
                connection_id,
            )
            raise _StoreFailed from exc


def _denial(exchange: WebSocketExchange) -> LambdaResponse:
    """The app's own refusal (``websocket.http.response``), shaped as an API Gateway answer."""
    assert exchange.denial_status is not None
    response: LambdaResponse = {"statusCode": exchange.denial_status}
    if exchange.denial_headers:
        grouped = grouped_headers(exchange.denial_headers)
        response["headers"] = {name: ", ".join(values) for name, values in grouped.items()}
    body = b"".join(exchange.denial_body)
    if body:
        try:
            response["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            response["body"] = base64.b64encode(body).decode("ascii")
            response["isBase64Encoded"] = True
    return response
