"""Fixtures every framework module shares, and the WebSocket ones (moto's Management API, a SQLite
store) for the Channels consumer tests."""

import pytest

from tests.frameworks.helpers import SOURCES
from tests.websockets.conftest import dsn, gateway, make_handler

__all__ = ["dsn", "gateway", "make_handler"]


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest) -> str:
    """Each test runs once per event source; a module may override this (ALB added, say)."""
    return str(request.param)
