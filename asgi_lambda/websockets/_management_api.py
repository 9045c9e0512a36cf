"""The API Gateway Management API: posting to connections and closing them.

boto3 is imported here, on first use, so only WebSocket APIs and broadcasting pay for it.  A
client costs tens of milliseconds to build, so there is one per (endpoint, region), kept for the
life of the execution environment and shared by the handler and every ``WebSocketAPI``.

A connection that is gone (the client left, or it was never opened) answers 410 GoneException;
callers get ``False`` for it and decide what to forget.  Every other error is raised.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit

_clients: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()

# {api-id}.execute-api.{region}.amazonaws.com (and .amazonaws.com.cn)
EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?")
_STAGE = re.compile(r"[A-Za-z0-9_$-]{1,128}")
_API_ID = re.compile(r"[A-Za-z0-9]{1,64}")
# Clients kept per environment, one per endpoint and region; the oldest goes past this.
MAX_CLIENTS = 64
FALLBACK_REGION = "us-east-1"
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 3
# Broadcasts post from a small thread pool; urllib3's default pool of 10 would make them wait.
MAX_POOL_CONNECTIONS = 16


def default_endpoint(
    domain_name: str | None, stage: str | None, api_id: str | None, region: str | None
) -> str | None:
    """``https://{domainName}/{stage}`` for the execute-api domain.

    Behind a custom domain the event's ``domainName`` is the custom one, whose base path need not
    be the stage name, so the API's own execute-api endpoint (built from ``apiId``) is used: it
    always accepts ``/{stage}/@connections``.
    """
    # Each part goes into the endpoint URL, where botocore rejects what is not a URL part
    # ("Invalid endpoint"): an odd value is the event's fault, answered 400 by the caller.
    if not domain_name or not stage or not _STAGE.fullmatch(stage):
        return None
    if EXECUTE_API_HOST.match(domain_name):
        return f"https://{domain_name}/{stage}"
    if api_id:
        if not _API_ID.fullmatch(api_id):
            return None
        return f"https://{api_id}.execute-api.{region or env_region()}.amazonaws.com/{stage}"
    return f"https://{domain_name}/{stage}" if _HOST.fullmatch(domain_name) else None


# Checked in order: asgi-lambda's own, then botocore's standard per-service variable (which
# botocore itself honours only when no endpoint_url is passed, and we always pass one).
ENDPOINT_VARIABLES = (
    "ASGI_LAMBDA_API_GATEWAY_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI",
)


def env_endpoint() -> str | None:
    """The Management API endpoint the environment names, if any (emulators, tests)."""
    for name in ENDPOINT_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    return None


def region_for(endpoint_url: str, region_name: str | None = None) -> str:
    """The signing region: the option, else the endpoint's own region, else the environment's."""
    if region_name:
        return region_name
    found = EXECUTE_API_HOST.match(urlsplit(endpoint_url).hostname or "")
    return found.group(1) if found else env_region()


def env_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or FALLBACK_REGION


def client(endpoint_url: str, region_name: str | None = None) -> Any:
    """The cached Management API client for ``endpoint_url``."""
    region = region_for(endpoint_url, region_name)
    key = (endpoint_url.rstrip("/"), region)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _clients:
            # through importlib: boto3 ships no type information, so both are typed Any
            try:
                boto3 = importlib.import_module("boto3")
            except ImportError as exc:
                raise ImportError(
                    "WebSocket APIs need boto3 for the API Gateway Management API: "
                    "pip install 'asgi-lambda[websockets]'"
                ) from exc
            config_module = importlib.import_module("botocore.config")
            config = config_module.Config(
                max_pool_connections=MAX_POOL_CONNECTIONS,
                # bounded: botocore's 60 s defaults outlast API Gateway's 29 s many times over
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"mode": "standard", "max_attempts": 2},
            )
            if len(_clients) >= MAX_CLIENTS:
                del _clients[next(iter(_clients))]
            _clients[key] = boto3.client(
                "apigatewaymanagementapi", endpoint_url=key[0], region_name=region, config=config
            )
        return _clients[key]


def post(api_client: Any, connection_id: str, data: bytes) -> bool:
    """Post ``data`` to a connection; False if the connection is gone."""
    try:
        api_client.post_to_connection(ConnectionId=connection_id, Data=data)
    except Exception as exc:
        if is_gone(exc):
            return False
        raise
    return True


def delete(api_client: Any, connection_id: str) -> bool:
    """Close a connection at API Gateway; False if it was already gone."""
    try:
        api_client.delete_connection(ConnectionId=connection_id)
    except Exception as exc:
        if is_gone(exc):
            return False
        raise
    return True


def is_gone(exc: BaseException) -> bool:
    """Whether ``exc`` is API Gateway's 410 GoneException, without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return bool(code == "GoneException" or status == 410)
