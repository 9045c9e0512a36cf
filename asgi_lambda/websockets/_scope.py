"""The ASGI websocket scope: built from the ``$connect`` request, stored as JSON, restored later.

Only ``$connect`` carries the handshake's headers and query string, so the scope is serialized
into the connection store when the app accepts, and every later event restores it.  Bytes are
stored as latin-1 text, which round-trips any byte exactly; per-invocation keys (``aws.event``,
``aws.context``, ``aws.websocket``, ``extensions``, ``state``) are never stored.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .._http.cycle import ASGI_INFO
from .._http.request import Request
from .._types import RawHeaders, Scope

FORMAT_VERSION = 1
WEBSOCKET_SCHEMES = {"https": "wss", "http": "ws"}
# websocket.http.response lets an app refuse a handshake with its own status and body; API
# Gateway passes a $connect answer's status to the client, so it is offered on $connect only.
DENIAL_EXTENSION: dict[str, dict[str, object]] = {"websocket.http.response": {}}


def subprotocols(headers: RawHeaders) -> list[str]:
    """The subprotocols the client offered, in order, from every ``sec-websocket-protocol``."""
    offered: list[str] = []
    for name, value in headers:
        if name == b"sec-websocket-protocol":
            offered.extend(p.strip() for p in value.decode("latin-1").split(",") if p.strip())
    return offered


def websocket_scope(request: Request) -> Scope:
    """The scope of a connection, from its handshake request (without per-invocation keys)."""
    return {
        "type": "websocket",
        "asgi": dict(ASGI_INFO),
        "http_version": request.http_version,
        "scheme": WEBSOCKET_SCHEMES.get(request.scheme, request.scheme),
        "path": request.path,
        "raw_path": request.raw_path,
        "root_path": request.root_path,
        "query_string": request.query_string,
        "headers": request.headers,
        "client": request.client,
        "server": request.server,
        "subprotocols": subprotocols(request.headers),
    }


# API Gateway closes every WebSocket connection after two hours at most, so a stored scope older
# than that belongs to a connection whose $disconnect never reached the store (a failed call,
# a crash): it is treated as gone on every backend.  Redis and DynamoDB also delete it then.
CONNECTION_TTL = 2 * 60 * 60


def dump_scope(scope: Scope, now: float | None = None) -> str:
    """The storable part of ``scope`` as JSON text, with the time it expires."""
    stored = {
        "v": FORMAT_VERSION,
        "expires": int((time.time() if now is None else now) + CONNECTION_TTL),
        "http_version": scope["http_version"],
        "scheme": scope["scheme"],
        "path": scope["path"],
        "raw_path": _text(scope["raw_path"]),
        "root_path": scope["root_path"],
        "query_string": _text(scope["query_string"]),
        "headers": [[_text(name), _text(value)] for name, value in scope["headers"]],
        "client": scope["client"],
        "server": scope["server"],
        "subprotocols": scope["subprotocols"],
    }
    return json.dumps(stored, separators=(",", ":"))


def load_scope(text: str, now: float | None = None) -> Scope | None:
    """A scope from ``dump_scope`` output, None once expired; ``ValueError`` for anything else."""
    try:
        stored: dict[str, Any] = json.loads(text)
        if not isinstance(stored, dict):
            raise ValueError("stored scope is not a JSON object")
        if stored.get("v") != FORMAT_VERSION:
            raise ValueError(f"unknown stored scope format {stored.get('v')!r}")
        expires = stored.get("expires")
        if expires is not None and float(expires) <= (time.time() if now is None else now):
            return None
        return {
            "type": "websocket",
            "asgi": dict(ASGI_INFO),
            "http_version": stored["http_version"],
            "scheme": stored["scheme"],
            "path": stored["path"],
            "raw_path": _bytes(stored["raw_path"]),
            "root_path": stored["root_path"],
            "query_string": _bytes(stored["query_string"]),
            "headers": [(_bytes(name), _bytes(value)) for name, value in stored["headers"]],
            "client": _address(stored["client"]),
            "server": _address(stored["server"]),
            "subprotocols": list(stored["subprotocols"]),
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"stored scope is not valid: {exc!r}") from exc


def _text(value: bytes) -> str:
    return bytes(value).decode("latin-1")


def _bytes(value: str) -> bytes:
    return value.encode("latin-1")


def _address(value: list[Any] | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, port = value
    return str(host), int(port)
