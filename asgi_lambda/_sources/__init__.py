"""Event-source detection: cheap key checks in a fixed order, then the matching source validates.

The order matters where shapes overlap: Lambda@Edge has ``Records``; WebSocket ``$connect``
events look like REST events, so WebSocket is checked before REST; ALB events also carry
``httpMethod``, so ALB (``requestContext.elb``) is checked before API Gateway payload 1.0; VPC
Lattice v2 shares ``version: "2.0"`` with HTTP API, told apart by ``requestContext.http``.
"""

from __future__ import annotations

from .._errors import UnknownEventError
from ._base import EventSource
from .alb import SOURCE as ALB
from .api_gateway_v1 import SOURCE as API_GATEWAY_V1
from .http_api_v2 import SOURCE as HTTP_API_V2
from .lambda_edge import SOURCE as LAMBDA_EDGE
from .vpc_lattice import SOURCE as VPC_LATTICE
from .websocket import SOURCE as WEBSOCKET

SOURCES: tuple[EventSource, ...] = (
    HTTP_API_V2,
    LAMBDA_EDGE,
    WEBSOCKET,
    ALB,
    API_GATEWAY_V1,
    VPC_LATTICE,
)


def detect(event: object, sources: tuple[EventSource, ...] = SOURCES) -> EventSource:
    """The source whose shape ``event`` has, or an ``UnknownEventError`` naming those tried."""
    if isinstance(event, dict):
        for source in sources:
            if source.matches(event):
                return source
        keys = ", ".join(sorted(map(str, event))[:12]) or "none"
        found = f"an event with keys: {keys}"
    else:
        found = f"a {type(event).__name__}, not a JSON object"
    tried = "; ".join(source.description for source in sources)
    raise UnknownEventError(f"asgi-lambda cannot handle {found}. Looked for: {tried}")


__all__ = ["SOURCES", "EventSource", "detect"]
