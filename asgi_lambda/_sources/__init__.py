"""Event-source detection, and each source's module loaded on the first event of its shape.

``_detect`` holds the cheap key checks, in order; the matching module (its pydantic models and
translations) is imported once, on first use, and cached.  A function behind one front door
never imports the other sources: about 15 ms of cold start.
"""

from __future__ import annotations

from importlib import import_module

from .._errors import UnknownEventError
from ._base import EventSource
from ._detect import DETECTORS, near_miss

_loaded: dict[str, EventSource] = {}


def source_named(module: str) -> EventSource:
    """The ``EventSource`` of ``asgi_lambda._sources.<module>``, imported on first use."""
    source = _loaded.get(module)
    if source is None:
        source = import_module(f"{__name__}.{module}").SOURCE
        _loaded[module] = source
    return source


def detect(event: object) -> EventSource:
    """The source whose shape ``event`` has, or an ``UnknownEventError`` naming those tried."""
    if isinstance(event, dict):
        for module, _, matches in DETECTORS:
            if matches(event):
                return _loaded.get(module) or source_named(module)
        keys = ", ".join(sorted(map(str, event))[:12]) or "none"
        found = f"an event with keys: {keys}"
        hint = near_miss(event)
        if hint:
            raise UnknownEventError(f"asgi-lambda cannot handle {found}: {hint}")
    else:
        found = f"a {type(event).__name__}, not a JSON object"
    tried = "; ".join(description for _, description, _ in DETECTORS)
    raise UnknownEventError(f"asgi-lambda cannot handle {found}. Looked for: {tried}")


__all__ = ["EventSource", "detect", "source_named"]
