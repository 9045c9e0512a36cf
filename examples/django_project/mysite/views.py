"""The example's views: one async, one sync (Django runs it in a worker thread)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods


async def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


async def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "message": "hello from Django",
            # SCRIPT_NAME is the ASGI root_path: the API's base path or stage, when there is one
            "echo_url": request.build_absolute_uri(reverse("echo")),
            "client": request.META.get("REMOTE_ADDR"),
        }
    )


@csrf_exempt  # a JSON API without cookie auth; keep CSRF protection for cookie-based forms
@require_http_methods(["POST"])
def echo(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"received": json.loads(request.body or b"null")}, status=201)
