"""A handler of one's own around asgi_handler, as Mangum users write theirs."""

from __future__ import annotations

from typing import Any

from asgi_lambda import asgi_handler
from tests.cli_targets.observed import app

_handler = asgi_handler(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> Any:
    return _handler(event, context)
