"""``sqlite:///path``: connection state in one SQLite file, the embedded default for local use.

Safe for several processes on one machine (a local server with workers, tests): the file runs in WAL
mode, writers wait up to ``BUSY_TIMEOUT`` seconds for each other, and multi-statement changes run in
one ``BEGIN IMMEDIATE`` transaction.  On Lambda a file is private to one execution environment, so
use it there only for a single-environment demo.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ._base import BackendUnavailableError

BUSY_TIMEOUT = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memberships (
    grp TEXT NOT NULL, connection_id TEXT NOT NULL, PRIMARY KEY (grp, connection_id)
);
CREATE INDEX IF NOT EXISTS memberships_by_connection ON memberships (connection_id);
"""


class SqliteStore:
    # In this process or on this machine's disk: called on the loop, not in a worker thread.
    local = True

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        # one connection shared by threads (the event loop may run us in an executor): serialize use
        self._lock = threading.Lock()

    def save(self, connection_id: str, data: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO connections (id, data) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (connection_id, data),
            )

    def load(self, connection_id: str) -> str | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT data FROM connections WHERE id = ?", (connection_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def delete(self, connection_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM connections WHERE id = ?", (connection_id,))
            db.execute("DELETE FROM memberships WHERE connection_id = ?", (connection_id,))

    def join(self, group: str, connection_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO memberships (grp, connection_id) VALUES (?, ?)",
                (group, connection_id),
            )

    def leave(self, group: str, connection_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM memberships WHERE grp = ? AND connection_id = ?",
                (group, connection_id),
            )

    def members(self, group: str) -> list[str]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT connection_id FROM memberships WHERE grp = ?", (group,)
            ).fetchall()
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One locked, immediate transaction on the (lazily opened) connection."""
        with self._lock:
            try:
                db = self._connect()
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                # locked past the busy timeout, unreadable file, full disk: the caller may retry
                raise BackendUnavailableError(f"SQLite database {self._path!r}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # isolation_level=None: no implicit transactions; _transaction issues BEGIN/COMMIT
            db = sqlite3.connect(
                self._path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            try:
                _prepare(db)
            except BaseException:
                db.close()
                raise
            self._connection = db
        return self._connection


def _prepare(db: sqlite3.Connection) -> None:
    """WAL mode and the schema, waiting out other connections doing the same.

    Switching a new file to WAL answers "database is locked" at once, without the busy timeout,
    while another connection is switching it (seen with four stores opening one file together),
    so this step retries on its own until ``BUSY_TIMEOUT``.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(0.005)
