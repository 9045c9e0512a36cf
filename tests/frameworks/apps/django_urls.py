"""The Django URLconf the framework tests run: async and sync views, one per behaviour."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import path, reverse


class Record:
    """What the views saw; ``reset()`` by each test."""

    sync_thread: int | None = None

    @classmethod
    def reset(cls) -> None:
        cls.sync_thread = None


async def item(request: HttpRequest, item_id: int) -> JsonResponse:
    return JsonResponse(
        {"item_id": item_id, "q": request.GET.get("q"), "page": request.GET.get("page")}
    )


async def echo_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"received": json.loads(request.body)}, status=201)


async def form(request: HttpRequest) -> JsonResponse:
    return JsonResponse({key: request.POST.getlist(key) for key in request.POST})


async def upload(request: HttpRequest) -> HttpResponse:
    file = request.FILES["file"]
    response = HttpResponse(file.read(), content_type="application/octet-stream")
    response["x-title"] = request.POST["title"]
    response["x-filename"] = file.name or ""
    return response


async def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("two cookies", content_type="text/plain")
    response.set_cookie("session", "abc123", httponly=True)
    response.set_cookie("theme", "dark")
    return response


async def go(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("target"))


async def target(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        f"script_name={request.META['SCRIPT_NAME']} path_info={request.path_info}",
        content_type="text/plain",
    )


async def url(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        request.build_absolute_uri(reverse("item", args=[7])), content_type="text/plain"
    )


async def client(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.META["REMOTE_ADDR"], content_type="text/plain")


async def stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for number in range(5):
            await asyncio.sleep(0)
            yield f"chunk {number}\n".encode()

    return StreamingHttpResponse(chunks(), content_type="text/plain")


def sync_view(request: HttpRequest) -> HttpResponse:
    Record.sync_thread = threading.get_ident()
    return HttpResponse("sync", content_type="text/plain")


async def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("view failed")


urlpatterns = [
    path("items/<int:item_id>", item, name="item"),
    path("json", echo_json),
    path("form", form),
    path("upload", upload),
    path("cookies", cookies),
    path("go", go),
    path("target", target, name="target"),
    path("url", url),
    path("client", client),
    path("stream", stream),
    path("sync", sync_view),
    path("boom", boom),
]
