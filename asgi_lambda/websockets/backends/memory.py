"""``memory://``: connection state in this process's dicts.

For tests and single-process local servers only: each Lambda execution environment is its own
process, so a message handled by another environment would not find the connection.  Each store
object has its own state; keep one per process (the WebSocket layer does).
"""

from __future__ import annotations

import threading


class MemoryStore:
    # In this process or on this machine's disk: called on the loop, not in a worker thread.
    local = True

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self._groups: dict[str, set[str]] = {}
        # groups per connection, so delete can drop every membership without scanning all groups
        self._joined: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def save(self, connection_id: str, data: str) -> None:
        with self._lock:
            self._data[connection_id] = data

    def load(self, connection_id: str) -> str | None:
        with self._lock:
            return self._data.get(connection_id)

    def delete(self, connection_id: str) -> None:
        with self._lock:
            self._data.pop(connection_id, None)
            for group in self._joined.pop(connection_id, set()):
                self._discard(group, connection_id)

    def join(self, group: str, connection_id: str) -> None:
        with self._lock:
            self._groups.setdefault(group, set()).add(connection_id)
            self._joined.setdefault(connection_id, set()).add(group)

    def leave(self, group: str, connection_id: str) -> None:
        with self._lock:
            self._discard(group, connection_id)
            joined = self._joined.get(connection_id)
            if joined is not None:
                joined.discard(group)
                if not joined:
                    del self._joined[connection_id]

    def members(self, group: str) -> list[str]:
        with self._lock:
            return list(self._groups.get(group, ()))

    def close(self) -> None:
        """Nothing to release: the state simply goes with the object."""

    def _discard(self, group: str, connection_id: str) -> None:
        members = self._groups.get(group)
        if members is not None:
            members.discard(connection_id)
            if not members:
                del self._groups[group]
