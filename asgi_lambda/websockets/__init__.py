"""Sending to API Gateway WebSocket connections and groups, from any code.

Inside the app, the current connection is ``scope["aws.websocket"]`` (a ``Connection``); from
other code, such as an SQS-triggered function, build a ``WebSocketAPI`` with the same ``dsn`` as
the handler and the API's Management API endpoint.  Both are synchronous on purpose: boto3 and
the connection stores are, and a plain (non-async) Lambda handler must be able to broadcast.

The rest of this package serves API Gateway WebSocket events: ``_handler.py`` ($connect, messages,
$disconnect), ``_scope.py`` (the stored handshake scope), ``_cycle.py`` (the ASGI websocket
exchange), ``_management_api.py`` (posting and closing through API Gateway), and ``backends/``
(the connection stores a ``dsn`` names).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import _management_api
from .backends._base import ConnectionStore

logger = logging.getLogger("asgi_lambda")

# Per execution environment and for local use only: see docs/websockets.md.
DEFAULT_DSN = "sqlite:////tmp/asgi-lambda-connections.db"

_stores: dict[str, ConnectionStore] = {}
_stores_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def store_for(dsn: str) -> ConnectionStore:
    """One store per dsn per execution environment, shared by the handler and every API object."""
    with _stores_lock:
        if dsn not in _stores:
            from ._outage import guarded
            from .backends import backend_from_dsn

            _stores[dsn] = guarded(backend_from_dsn(dsn))
        return _stores[dsn]


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


class WebSocketAPI:
    """Post to the connections of one API Gateway WebSocket API and manage named groups.

    Example (an SQS-triggered function telling a room about a new order)::

        from asgi_lambda.websockets import WebSocketAPI

        api = WebSocketAPI(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
            dsn="dynamodb://connections",
        )

        def handler(event, context):
            for record in event["Records"]:
                api.broadcast("orders", record["body"])

    Arguments:
        endpoint_url: the Management API endpoint, ``https://{api-id}.execute-api.{region}
            .amazonaws.com/{stage}`` (or the custom domain with its base path).
        dsn: where the handler stores connections; the same value as its ``dsn`` option.
        region_name: the API's region; default: the endpoint's, else ``AWS_REGION``.
        store: an already built connection store, used instead of ``dsn``.

    A connection API Gateway reports gone (410) is forgotten: removed from the store and from
    every group.  Build the object once, at module level: its clients are reused.
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        dsn: str | None = None,
        region_name: str | None = None,
        store: ConnectionStore | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.region_name = _management_api.region_for(self.endpoint_url, region_name)
        self.store = store if store is not None else store_for(dsn or DEFAULT_DSN)
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The boto3 ``apigatewaymanagementapi`` client, built on first use."""
        if self._client is None:
            self._client = _management_api.client(self.endpoint_url, self.region_name)
        return self._client

    def send(self, connection_id: str, data: str | bytes) -> bool:
        """Post one message; False (and the connection forgotten) if it is gone."""
        if _management_api.post(self.client, connection_id, _as_bytes(data)):
            return True
        self.forget(connection_id)
        return False

    def forget(self, connection_id: str) -> None:
        """Remove a gone connection from the store and every group (API Gateway is not told)."""
        logger.info("websocket connection %s is gone: forgetting it", connection_id)
        self.store.delete(connection_id)

    def disconnect(self, connection_id: str) -> None:
        """Close a connection at API Gateway and forget it."""
        _management_api.delete(self.client, connection_id)
        self.store.delete(connection_id)

    def join(self, group: str, connection_id: str) -> None:
        """Add a connection to a named group (idempotent)."""
        self.store.join(group, connection_id)

    def leave(self, group: str, connection_id: str) -> None:
        """Remove a connection from a named group (idempotent)."""
        self.store.leave(group, connection_id)

    def members(self, group: str) -> list[str]:
        """The connection ids in a group, in no particular order."""
        return self.store.members(group)

    def broadcast(self, group: str, data: str | bytes, *, exclude: str | Iterable[str] = ()) -> int:
        """Post ``data`` to every member of ``group`` but ``exclude``; returns how many got it.

        Members are posted to concurrently.  Gone members are forgotten; any other failure is
        logged and skipped, so one bad connection does not stop the rest.
        """
        skipped = {exclude} if isinstance(exclude, str) else set(exclude)
        targets = [c for c in self.members(group) if c not in skipped]
        if not targets:
            return 0
        payload = _as_bytes(data)
        client = self.client
        if len(targets) == 1:
            outcomes = [_post_quietly(client, targets[0], payload)]
        else:
            outcomes = list(_pool().map(lambda t: _post_quietly(client, t, payload), targets))
        # Stores are touched from this thread only: some (sqlite) are bound to their thread.
        for target, outcome in zip(targets, outcomes, strict=True):
            if outcome is None:
                self.forget(target)
        return sum(1 for outcome in outcomes if outcome)

    def __repr__(self) -> str:
        return f"WebSocketAPI({self.endpoint_url!r}, region_name={self.region_name!r})"


class Connection:
    """The connection an invocation is about, as ``scope["aws.websocket"]``.

    ``event_type`` is ``"CONNECT"``, ``"MESSAGE"`` or ``"DISCONNECT"``.  A connection can only
    receive during a message invocation: API Gateway opens it after ``$connect`` returns and it is
    closed by ``$disconnect``, so ``send`` skips it then and ``broadcast`` leaves it out.
    """

    __slots__ = ("api", "connection_id", "event_type", "route_key", "joined")

    def __init__(
        self, api: WebSocketAPI, connection_id: str, event_type: str, route_key: str | None = None
    ) -> None:
        self.api = api
        self.connection_id = connection_id
        self.event_type = event_type
        self.route_key = route_key
        self.joined = False

    @property
    def open(self) -> bool:
        """Whether messages can reach this connection now."""
        return self.event_type == "MESSAGE"

    def send(self, data: str | bytes) -> bool:
        """Post to this connection; False if it cannot receive now or is gone."""
        if not self.open:
            logger.warning(
                "not sending to websocket connection %s during %s: it cannot receive yet or "
                "any more",
                self.connection_id,
                self.event_type,
            )
            return False
        return self.api.send(self.connection_id, data)

    def join(self, group: str) -> None:
        self.joined = True
        self.api.join(group, self.connection_id)

    def leave(self, group: str) -> None:
        self.api.leave(group, self.connection_id)

    def broadcast(self, group: str, data: str | bytes, *, exclude_self: bool = False) -> int:
        """Post to every member of ``group``; returns how many got it."""
        exclude = [self.connection_id] if exclude_self or not self.open else []
        return self.api.broadcast(group, data, exclude=exclude)

    def __repr__(self) -> str:
        return f"Connection({self.connection_id!r}, event_type={self.event_type!r})"


def _post_quietly(client: Any, connection_id: str, payload: bytes) -> bool | None:
    """True if posted, None if gone, False (logged) for any other failure."""
    try:
        return True if _management_api.post(client, connection_id, payload) else None
    except Exception as exc:
        logger.warning("broadcast to websocket connection %s failed: %r", connection_id, exc)
        return False


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=_management_api.MAX_POOL_CONNECTIONS, thread_name_prefix="asgi-lambda-ws"
        )
    return _executor


__all__ = ["DEFAULT_DSN", "Connection", "WebSocketAPI"]
