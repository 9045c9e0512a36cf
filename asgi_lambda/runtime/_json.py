"""JSON for the Runtime API's bodies: pydantic_core's codec when the app has already imported it.

The event is decoded and the adapter's answer encoded once per invocation: the standard
library takes 9-15 us to decode a 1.3 KB API Gateway event and 4 us to encode an answer,
``pydantic_core.from_json``/``to_json`` 5-6 us and 0.7 us.  Importing pydantic_core costs
milliseconds of cold start, so it is used only when the app (FastAPI, or anything on pydantic)
has brought it in already; otherwise, and for whatever it refuses, ``json`` decides, so every
event ``json`` accepts is accepted, with ``json``'s error text for the rest.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


class Codec:
    """Chosen once, after the handler's import (what the app imported is known by then)."""

    def __init__(self) -> None:
        core = sys.modules.get("pydantic_core")
        self._from_json: Callable[[bytes], Any] | None = getattr(core, "from_json", None)
        self._to_json: Callable[[Any], bytes] | None = getattr(core, "to_json", None)

    @property
    def fast(self) -> bool:
        return self._from_json is not None

    def loads(self, data: bytes) -> Any:
        """The event; ``ValueError`` (``json``'s) for a body that is not JSON."""
        if self._from_json is not None:
            try:
                return self._from_json(data)
            except ValueError:
                pass  # UTF-16, a lone surrogate, or not JSON at all: json's call
        return json.loads(data)

    def dumps_answer(self, answer: Any) -> bytes:
        """The adapter's own answer (strings, numbers, booleans, lists and dicts of them).

        A plain handler's return value goes through ``json.dumps`` instead: pydantic_core would
        turn a ``datetime`` or a dataclass into JSON where ``json`` (and awslambdaric) refuse it.
        """
        if self._to_json is not None:
            try:
                return self._to_json(answer)
            except ValueError:
                pass  # a lone surrogate has no UTF-8: json escapes it
        return json.dumps(answer).encode("utf-8")
