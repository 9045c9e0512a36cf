"""An app with SnapStart hooks; it records the order things happen in to $SNAP_LOG."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from snapshot_restore_py import register_after_restore, register_before_snapshot
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler


def note(what: str) -> None:
    with open(os.environ["SNAP_LOG"], "a") as log:
        log.write(what + "\n")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    note("startup")
    yield


@register_before_snapshot
def first_registered() -> None:
    note("before: first registered")


@register_before_snapshot
def second_registered() -> None:
    note("before: second registered")


@register_after_restore
def reconnect(label: str = "") -> None:
    if os.environ.get("SNAP_FAIL"):
        raise ConnectionError("the database moved")
    note("after restore")


async def home(request: Any) -> PlainTextResponse:
    note("request")
    return PlainTextResponse("restored")


handler = asgi_handler(Starlette(routes=[Route("/", home)], lifespan=lifespan))
