"""WebSocket fixtures (moto's Management API, a SQLite store) for the Channels consumer tests."""

from tests.websockets.conftest import dsn, gateway, make_handler

__all__ = ["dsn", "gateway", "make_handler"]
