"""The proxy payload 1.0 fields that API Gateway (REST, HTTP API 1.0) and ALB share.

ALB copied API Gateway's 1.0 shape, so both sources read the same top-level fields; each adds
its own ``requestContext``.  Every map may be null: console test events send ``headers: null``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PayloadV1Fields(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    httpMethod: str
    path: str | None = None
    headers: dict[str, str | None] | None = None
    multiValueHeaders: dict[str, list[str] | None] | None = None
    queryStringParameters: dict[str, str | None] | None = None
    multiValueQueryStringParameters: dict[str, list[str] | None] | None = None
    body: str | None = None
    isBase64Encoded: bool | None = False
