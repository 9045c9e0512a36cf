"""Placeholder: the websocket event source is being built; until then it matches nothing."""

from __future__ import annotations

from .._types import LambdaEvent
from ._base import EventSource


def _never(event: LambdaEvent) -> bool:
    return False


def _unbuilt(*args: object) -> object:
    raise NotImplementedError("websocket is not built yet")


SOURCE = EventSource(
    name="websocket", description="websocket", matches=_never, parse=_unbuilt, render=_unbuilt  # type: ignore[arg-type]
)
