"""Placeholder: the alb event source is being built; until then it matches nothing."""

from __future__ import annotations

from .._types import LambdaEvent
from ._base import EventSource


def _never(event: LambdaEvent) -> bool:
    return False


def _unbuilt(*args: object) -> object:
    raise NotImplementedError("alb is not built yet")


SOURCE = EventSource(
    name="alb", description="alb", matches=_never, parse=_unbuilt, render=_unbuilt  # type: ignore[arg-type]
)
