"""Placeholder: the lambda_edge event source is being built; until then it matches nothing."""

from __future__ import annotations

from .._types import LambdaEvent
from ._base import EventSource


def _never(event: LambdaEvent) -> bool:
    return False


def _unbuilt(*args: object) -> object:
    raise NotImplementedError("lambda_edge is not built yet")


SOURCE = EventSource(
    name="lambda_edge", description="lambda_edge", matches=_never, parse=_unbuilt, render=_unbuilt  # type: ignore[arg-type]
)
