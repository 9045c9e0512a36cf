"""The app every emulator test serves: repeated headers, cookies, compression, binary, 204, 302.

Mounted under each function's prefix (``/v2``, ``/v1``, ``/rest``) through
``api_gateway_base_path``, so ``url_for`` and redirects carry the prefix the client used.
``/v1z`` and ``/restz`` serve it with ``compression=True``, as a REST API with binaryMediaTypes.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from asgi_lambda import asgi_handler

ITEMS = [{"id": n, "name": f"item {n}", "tags": ["a", "b", "c"]} for n in range(100)]


async def headers(request: Request) -> Response:
    response = PlainTextResponse("three cookies")
    response.headers.append("x-multi", "one")
    response.headers.append("x-multi", "two")
    for name in ("a", "b", "c"):
        response.set_cookie(name, f"{name}-value", path="/", httponly=True)
    return response


async def items(request: Request) -> Response:
    return JSONResponse(ITEMS)


async def echo_binary(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


async def cookies(request: Request) -> Response:
    return JSONResponse({"cookie_headers": request.headers.getlist("cookie"), **request.cookies})


async def empty(request: Request) -> Response:
    return Response(status_code=204)


async def redirect(request: Request) -> Response:
    return RedirectResponse(str(request.url_for("items")), status_code=302)


async def scope(request: Request) -> Response:
    return JSONResponse({"scheme": request.url.scheme, "url": str(request.url)})


async def event(request: Request) -> Response:
    """The Lambda event itself, as the front door built it (compared with asgi-lambda serve's)."""
    return JSONResponse(request.scope["aws.event"])


ROUTES = [
    Route("/event", event),
    Route("/headers", headers),
    Route("/items", items, name="items"),
    Route("/binary", echo_binary, methods=["POST"]),
    Route("/cookies", cookies),
    Route("/empty", empty),
    Route("/redirect", redirect),
    Route("/scope", scope),
]

_handlers = {
    prefix: asgi_handler(
        Starlette(routes=ROUTES),
        api_gateway_base_path=prefix,
        compression=True if prefix.endswith("z") else "auto",
    )
    for prefix in ("/v2", "/v1", "/rest", "/v1z", "/restz")
}


def handler(event: dict[str, Any], context: Any) -> Any:
    """One function per front door; each request goes to the app mounted at its prefix."""
    path = event.get("rawPath") or event.get("path") or "/"
    prefix = "/" + path.strip("/").split("/", 1)[0]
    return _handlers.get(prefix, _handlers["/rest"])(event, context)
