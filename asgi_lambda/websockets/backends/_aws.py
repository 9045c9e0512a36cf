"""The boto3 pieces the DynamoDB and S3 backends share: lazy imports and one client recipe.

boto3 and botocore ship no type information, so they are imported through ``importlib`` and
typed ``Any``; and only here, on first use, so ``import asgi_lambda`` never loads them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._base import BackendUnavailableError

# Fail fast on a backend outage (the invocation answers 500 and Lambda's clock keeps running):
# one call takes at most MAX_ATTEMPTS * (CONNECT_TIMEOUT + READ_TIMEOUT) plus standard mode's
# backoff (under 1 s), about 7 s, where botocore's defaults (60 s each) let a frozen endpoint
# hold a WebSocket $connect for 40 s, past API Gateway's 29 s.
CONNECT_TIMEOUT = 1
READ_TIMEOUT = 2
MAX_ATTEMPTS = 2


def untyped(module: str) -> Any:
    """Import a boto3/botocore module lazily, typed ``Any``."""
    return importlib.import_module(module)


def aws_client(service: str, region: str | None, endpoint_url: str | None) -> Any:
    """A boto3 client with the backends' timeouts and retry policy, in a session of its own."""
    config = untyped("botocore.config").Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
    )
    session = untyped("boto3").session.Session(region_name=region)
    return session.client(service, endpoint_url=endpoint_url, config=config)


@contextmanager
def unavailable_as(service: str) -> Iterator[None]:
    """Turn botocore's connection failures into ``BackendUnavailableError`` naming ``service``."""
    errors = untyped("botocore.exceptions")
    try:
        yield
    except (errors.ConnectionError, errors.HTTPClientError) as exc:
        raise BackendUnavailableError(f"{service} unreachable: {exc}") from exc
