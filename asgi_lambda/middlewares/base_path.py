"""Base path and stage: tells the app where it is mounted, through the scope's ``root_path``.

The ASGI convention (uvicorn's ``--root-path``, Starlette >= 0.35, Django, Quart, Litestar) is
that ``path`` and ``raw_path`` are the full public path and ``root_path`` is its leading part that
belongs to the mount point; frameworks route on ``path`` minus ``root_path`` and build absolute
URLs (``request.url``, ``url_for``, trailing-slash redirects) from the full path.  So this
middleware leaves the path the client sent alone and moves the boundary: with
``api_gateway_base_path="/api"``, ``/api/items`` arrives as ``root_path="/api"``,
``path="/api/items"`` and the app routes ``/items``.  Mangum cuts the path instead and sets no
root path, so ``request.url`` and ``url_for`` lose the prefix (mangum#318).

Matching is on whole segments: ``/api`` claims ``/api`` and ``/api/...`` but not ``/apiv2/...``
(Mangum turns that into ``v2/...``).  A request for the mount point itself (``/api``) becomes
``/api/``, so it reaches the app's ``/`` route instead of a redirect.

``strip_stage_path`` does the same for the API Gateway stage, only when the request came through
the default ``{api-id}.execute-api.{region}.amazonaws.com`` host (custom domains have no stage in
their URLs; their base path mapping is what ``api_gateway_base_path`` is for).  What AWS sends:

- HTTP API, payload 2.0 (and 1.0): on a named stage ``rawPath`` (``path``) starts with
  ``/{stage}``; the ``$default`` stage is served at the root and never appears.
- REST API (payload 1.0): the public URL is ``/{stage}/...``, but the event's ``path`` leaves
  the stage out while ``requestContext.path`` keeps it.  The stage is put back in front of
  ``path`` and ``raw_path`` so the app sees the URL the client used.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response
from .._options import Options

DEFAULT_STAGE = "$default"
# {api-id}.execute-api.{region}.amazonaws.com, the private-API form {api-id}-{vpce-id}.execute-
# api.{region}.vpce.amazonaws.com, and the China regions' amazonaws.com.cn; a port is tolerated.
EXECUTE_API_HOST = re.compile(
    r"[a-z0-9-]+\.execute-api\.[a-z0-9-]+\.(?:vpce\.)?amazonaws\.com(?:\.cn)?(?::\d+)?",
    re.IGNORECASE,
)


class BasePath:
    """Moves ``api_gateway_base_path`` (and, if asked, the stage) into ``root_path``.

    Arguments (from ``Options``):
        api_gateway_base_path: the mount point, e.g. ``"/api"`` (default ``"/"``: none).
        strip_stage_path: also treat the stage as part of the mount point on execute-api hosts.
    """

    def __init__(self, options: Options) -> None:
        base = options.api_gateway_base_path.rstrip("/")
        self.base_path = base if base.startswith("/") or not base else "/" + base
        self.strip_stage = options.strip_stage_path

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if self.strip_stage:
            stage = execute_api_stage(request)
            if stage:
                _mount_stage(request, stage)
        if self.base_path:
            _mount(request, self.base_path)
        return await call_next(request)


def execute_api_stage(request: Request) -> str:
    """The named stage if the request came through a default execute-api host, else ``""``."""
    context = request.event.get("requestContext")
    if not isinstance(context, dict):
        return ""
    stage = context.get("stage")
    if not isinstance(stage, str) or not stage or stage == DEFAULT_STAGE:
        return ""
    host = context.get("domainName") or request.header("host") or ""
    if not isinstance(host, str) or not EXECUTE_API_HOST.fullmatch(host):
        return ""
    return stage


def is_under(path: str, prefix: str) -> bool:
    """True when ``path`` is ``prefix`` or lies below it, on a segment boundary."""
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


def _mount_stage(request: Request, stage: str) -> None:
    prefix = "/" + stage
    context = request.event["requestContext"]
    public_path = context.get("path")
    if (
        isinstance(public_path, str)
        and public_path != request.event.get("path")
        and is_under(public_path, prefix)
    ):
        # REST API: the event's path lacks the stage the client's URL has; put it back.
        relative = request.path[len(request.root_path) :]
        request.path = request.root_path + prefix + relative
        raw_root = request.root_path.encode("utf-8")
        raw_relative = request.raw_path[len(raw_root) :]
        request.raw_path = raw_root + quote(prefix).encode("ascii") + raw_relative
    _mount(request, prefix)


def _mount(request: Request, prefix: str) -> None:
    """Extend ``root_path`` by ``prefix`` if the rest of the path starts with it."""
    root = request.root_path + prefix
    if not is_under(request.path, root):
        return
    request.root_path = root
    if len(request.path) == len(root):
        request.path += "/"
        request.raw_path += b"/"
