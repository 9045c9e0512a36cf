"""``asgi-lambda serve``: a local API Gateway (and ALB, Function URL) in front of a Lambda handler.

It builds the events AWS builds for each request, calls the real handler the way Lambda does,
and turns its answer back into HTTP with AWS's rules, so what works here works deployed
(docs/local-development.md).  Built on uvicorn and ``websockets``: the ``asgi-lambda[local]``
extra; imported only by ``serve``.
"""

from __future__ import annotations

import inspect
import json
import os
from dataclasses import asdict
from typing import Any

from ._gateway import LocalGateway, Settings

SETTINGS_VARIABLE = "ASGI_LAMBDA_SERVE"
SOURCES = ("http-api-v2", "http-api-v1", "rest", "function-url", "alb", "alb-multi-value")


def serve(
    target: str,
    *,
    source: str = "http-api-v2",
    host: str = "127.0.0.1",
    port: int = 8000,
    stage: str = "dev",
    websocket: bool = False,
    reload: bool = False,
    timeout: float = 30.0,
    binary_media_types: tuple[str, ...] = (),
) -> None:
    """Serve ``target`` (``MODULE:ATTR``) until interrupted."""
    try:
        import uvicorn

        if websocket:
            import websockets  # noqa: F401 - uvicorn's WebSocket protocol
    except ImportError:
        raise SystemExit(
            "asgi-lambda serve needs uvicorn and websockets: pip install 'asgi-lambda[local]'"
        ) from None
    settings = Settings(
        source=source,
        stage=stage,
        timeout=timeout,
        binary_media_types=binary_media_types,
        websocket=websocket,
    )
    os.environ[SETTINGS_VARIABLE] = json.dumps({"target": target, **asdict(settings)})
    if websocket:
        # The handler's Management API client (boto3, in this process or another) reaches us.
        os.environ["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = f"http://{host}:{port}"
        _local_credentials()
    print(_banner(target, settings, host, port), flush=True)
    uvicorn.run(
        "asgi_lambda.local:gateway_from_environment",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        reload_dirs=[os.getcwd()] if reload else None,
        log_level="warning",
        ws="websockets" if websocket else "none",
        lifespan="on",
    )


def _local_credentials() -> None:
    """boto3 signs Management API calls even to us: dummy credentials when there are none.

    Only when botocore finds none at all, so an app that also uses real AWS services locally
    keeps its own profile.
    """
    try:
        import botocore.session  # type: ignore[import-untyped]
    except ImportError:
        return  # no boto3: nothing will sign
    if botocore.session.get_session().get_credentials() is None:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "asgi-lambda-local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "asgi-lambda-local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def gateway_from_environment() -> LocalGateway:
    """The app uvicorn runs (in its reloaded child too): the target, loaded from the settings."""
    from .._cli import load_target

    values: dict[str, Any] = json.loads(os.environ[SETTINGS_VARIABLE])
    target_name = values.pop("target")
    values["binary_media_types"] = tuple(values["binary_media_types"])
    target = load_target(target_name)
    return LocalGateway(handler_for(target_name, target), Settings(**values))


def handler_for(name: str, target: Any) -> Any:
    """The Lambda handler to call: the target if it is one, else ``asgi_handler(target)``.

    A handler is an ``asgi_handler`` result (or decorated function), or a sync function of two
    positional parameters that are not WSGI's ``(environ, start_response)``, whatever their
    names (``def handler(event, _context)``).
    """
    from .._cli import refuse_mangum
    from .._handler import asgi_handler
    from .._options import is_lambda_handler, positional_names

    refuse_mangum(name, target)
    if hasattr(target, "adapter") or is_lambda_handler(target):
        return target
    if inspect.isfunction(target) and not inspect.iscoroutinefunction(target):
        names = positional_names(target)
        if names is not None and len(names) == 2 and names[0] != "environ":
            return target
    return asgi_handler(target)


def _banner(target: str, settings: Settings, host: str, port: int) -> str:
    base = f"http://{host}:{port}"
    where = f"{base}/{settings.stage}/" if settings.source == "rest" else f"{base}/"
    lines = [f"asgi-lambda serve: {target} behind a local {settings.source} at {where}"]
    if settings.websocket:
        lines.append(
            f"  WebSocket API at ws://{host}:{port}/, Management API at {base}/@connections"
        )
    return "\n".join(lines)


__all__ = ["SOURCES", "serve"]
