"""A stand-in for AWS's snapshot_restore_py (only SnapStart functions have it), same API."""

from __future__ import annotations

from typing import Any

_before: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
_after: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []


def register_before_snapshot(func: Any, *args: Any, **kwargs: Any) -> Any:
    _before.append((func, args, kwargs))
    return func


def register_after_restore(func: Any, *args: Any, **kwargs: Any) -> Any:
    _after.append((func, args, kwargs))
    return func


def get_before_snapshot() -> list[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
    return _before


def get_after_restore() -> list[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
    return _after
