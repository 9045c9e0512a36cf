"""``asgi-lambda serve``: a local API Gateway (and ALB, Function URL) in front of a Lambda handler.

It builds the events AWS builds for each request, calls the real handler the way Lambda does,
and turns its answer back into HTTP with AWS's rules, so what works here works deployed
(docs/local-development.md).  Built on uvicorn and ``websockets``: the ``asgi-lambda[local]``
extra; imported only by ``serve``.
"""

from __future__ import annotations

import json
import os
import socket
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
    stage: str | None = None,
    websocket: bool = False,
    reload: bool = False,
    timeout: float = 30.0,
    binary_media_types: tuple[str, ...] = (),
    concurrency: int = 10,
) -> None:
    """Serve ``target`` (``module.attr`` or ``module:attr``) until interrupted."""
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
        stage=stage or ("dev" if source == "rest" else "$default"),  # HTTP APIs: $default
        timeout=timeout,
        binary_media_types=binary_media_types,
        websocket=websocket,
        concurrency=concurrency,
    )
    _check(target)
    listening = _listen(host, port)
    os.environ[SETTINGS_VARIABLE] = json.dumps({"target": target, **asdict(settings)})
    if websocket:
        # The handler's Management API client (boto3, in this process or another) reaches us.
        os.environ["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = f"http://{host}:{port}"
        _local_credentials()
    config = uvicorn.Config(
        "asgi_lambda.local:gateway_from_environment",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        reload_dirs=[os.getcwd()] if reload else None,
        log_level="warning",
        ws="websockets-sansio" if websocket else "none",
        lifespan="on",
        timeout_graceful_shutdown=5,  # an open stream does not hold Ctrl-C or a reload
    )
    server = uvicorn.Server(config)
    # The socket already listens: a client that connects as soon as it reads the banner waits
    # in the backlog until uvicorn accepts, instead of being refused.
    print(_banner(target, settings, host, port), flush=True)
    if reload:
        from uvicorn.supervisors import ChangeReload

        ChangeReload(config, target=server.run, sockets=[listening]).run()
    else:
        server.run(sockets=[listening])


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
    """The app uvicorn runs (in its reloaded child too), from the settings ``serve`` left."""
    values: dict[str, Any] = json.loads(os.environ[SETTINGS_VARIABLE])
    target = values.pop("target")
    values["binary_media_types"] = tuple(values["binary_media_types"])
    return LocalGateway(target, Settings(**values))


def _check(target: str) -> None:
    """Fail before the banner: a target that does not load."""
    from .._cli import error_line
    from .._target import TargetError, load_target

    try:
        load_target(target)
    except TargetError as exc:
        raise SystemExit(error_line(exc).rstrip("\n")) from None


def _listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening before the banner says so (as uvicorn binds it:
    reusable address, inherited by a ``--reload`` child); a busy port is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(
            f"asgi-lambda: cannot listen on {host}:{port}: {exc.strerror} "
            "(another server there? choose one with --port)"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


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
