"""The HTTP API payload 2.0 / Function URL event as a pydantic model: the contract ``parse``
holds events to, loaded only for an event that is not of the plain shape AWS sends."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Http(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    method: str
    protocol: str | None = None
    sourceIp: str | None = None


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    http: _Http
    domainName: str | None = None
    stage: str | None = None


class HttpApiV2Event(BaseModel):
    """The fields asgi-lambda reads; the rest of the event stays reachable as
    ``scope['aws.event']``."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    version: Literal["2.0"]
    rawPath: str = "/"
    rawQueryString: str | None = ""
    cookies: list[str] | None = None
    headers: dict[str, str] | None = None
    body: str | None = None
    isBase64Encoded: bool = False
    requestContext: _RequestContext
