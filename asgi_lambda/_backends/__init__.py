"""Connection-state backends for WebSocket APIs, chosen by the ``dsn`` option."""
