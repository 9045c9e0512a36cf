"""The one small interface every WebSocket connection-state backend implements.

Backends are synchronous on purpose: boto3 is synchronous, and broadcasting must work from plain
(non-async) Lambda handlers such as an SQS consumer.  They store opaque text: the WebSocket layer
serializes the scope; a backend never needs to understand it.
"""

from __future__ import annotations

from typing import Protocol


class ConnectionStore(Protocol):
    def save(self, connection_id: str, data: str) -> None:
        """Store (or replace) the serialized scope of a connection."""

    def load(self, connection_id: str) -> str | None:
        """The stored data of a connection, or None if it is not stored."""

    def delete(self, connection_id: str) -> None:
        """Forget a connection and remove it from every group; unknown ids are not an error."""

    def join(self, group: str, connection_id: str) -> None:
        """Add a connection to a named group (idempotent)."""

    def leave(self, group: str, connection_id: str) -> None:
        """Remove a connection from a named group (idempotent)."""

    def members(self, group: str) -> list[str]:
        """The connection ids in a group, in no particular order."""

    def close(self) -> None:
        """Release clients and connections (tests and interpreter exit)."""


class BackendUnavailableError(ConnectionError):
    """The backend's server could not be reached (refused, timed out, dropped mid-call).

    The one exception the WebSocket layer catches around a backend call: every backend translates
    its driver's connectivity errors into it, so callers need not import redis, psycopg or botocore.
    The backend object stays usable: it reconnects on a later call, and nothing already stored is
    lost.
    """
