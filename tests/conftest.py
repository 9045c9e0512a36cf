"""Session-wide fixtures: sample events, a moto server on loopback, and real-service checks.

Under CI (``CI=true``) a test that needs a service fails when the service is missing; elsewhere it
skips, saying what is missing.
"""

from __future__ import annotations

import copy
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent / "events"

# No test may reach real AWS: fake credentials, and every client is pointed at loopback.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of a sample event from tests/events (``name`` without ``.json``)."""
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return copy.deepcopy(data)


@pytest.fixture
def event() -> Callable[[str], dict[str, Any]]:
    return load_event


def service_available(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Fail under CI, skip elsewhere, when a real service is not listening."""
    if service_available(host, port):
        return
    message = f"{name} is not listening on {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server in server mode on 127.0.0.1 (random port), for S3, DynamoDB and API Gateway."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return "redis://127.0.0.1:6379/0"


@pytest.fixture
def postgres_url() -> str:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return "postgresql://postgres@127.0.0.1:5432/postgres"
