"""``postgresql://user:pass@host:port/db``: connection state in PostgreSQL (psycopg 3).

Two tables, created on first use with ``CREATE TABLE IF NOT EXISTS`` and named from ``?table=``
(default ``asgi_lambda``): ``{table}_connections (id, data)`` and ``{table}_memberships (grp,
connection_id)``. Data is stored as UTF-8 ``bytea`` because PostgreSQL ``text`` cannot hold NUL
characters, and the backend promises to store any text.

One connection per store object, in autocommit mode; multi-statement changes run in one transaction.
A connection that dropped (Lambda froze past the server's idle timeout, failover) is reopened and
the call retried once; every call is idempotent, so a retry is safe.

Every wait for the server is bounded by ``?timeout=`` seconds (default 2): a server that stops
answering (frozen, partitioned) leaves the socket open, and TCP keeps it looking alive, so
without a client-side bound an already-open connection blocked forever.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._base import BackendUnavailableError

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")


class PostgresStore:
    def __init__(self, url: str, *, table: str, timeout: float = 2.0) -> None:
        self._url = url
        self._table = table
        self._timeout = timeout
        self._connection: psycopg.Connection[Any] | None = None
        self._sql: dict[str, Any] = {}

    def save(self, connection_id: str, data: str) -> None:
        self._run(lambda db: db.execute(self._sql["save"], (connection_id, data.encode())))

    def load(self, connection_id: str) -> str | None:
        row = self._run(lambda db: db.execute(self._sql["load"], (connection_id,)).fetchone())
        return None if row is None else bytes(row[0]).decode()

    def delete(self, connection_id: str) -> None:
        def delete(db: psycopg.Connection[Any]) -> None:
            with db.transaction():
                db.execute(self._sql["delete"], (connection_id,))
                db.execute(self._sql["leave_all"], (connection_id,))

        self._run(delete)

    def join(self, group: str, connection_id: str) -> None:
        self._run(lambda db: db.execute(self._sql["join"], (group, connection_id)))

    def leave(self, group: str, connection_id: str) -> None:
        self._run(lambda db: db.execute(self._sql["leave"], (group, connection_id)))

    def members(self, group: str) -> list[str]:
        rows = self._run(lambda db: db.execute(self._sql["members"], (group,)).fetchall())
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _run(self, operation: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run on the open connection; reopen and retry once if a reused connection had dropped."""
        import psycopg

        reused = self._connection is not None and not self._connection.closed
        try:
            return operation(self._connect())
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self.close()
            if not reused:
                raise BackendUnavailableError(f"PostgreSQL unreachable: {exc}") from exc
        try:
            return operation(self._connect())
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self.close()
            raise BackendUnavailableError(f"PostgreSQL unreachable: {exc}") from exc

    def _connect(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            connection = _bounded_connection_class(self._timeout).connect(
                self._url, autocommit=True
            )
            try:
                self._create_tables(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _create_tables(self, db: psycopg.Connection[Any]) -> None:
        import psycopg
        from psycopg import sql

        names = {
            "connections": sql.Identifier(f"{self._table}_connections"),
            "memberships": sql.Identifier(f"{self._table}_memberships"),
            "by_connection": sql.Identifier(f"{self._table}_memberships_by_connection"),
        }
        statements = {
            "save": "INSERT INTO {connections} (id, data) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
            "load": "SELECT data FROM {connections} WHERE id = %s",
            "delete": "DELETE FROM {connections} WHERE id = %s",
            "leave_all": "DELETE FROM {memberships} WHERE connection_id = %s",
            "join": "INSERT INTO {memberships} (grp, connection_id) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            "leave": "DELETE FROM {memberships} WHERE grp = %s AND connection_id = %s",
            "members": "SELECT connection_id FROM {memberships} WHERE grp = %s",
        }
        self._sql = {key: sql.SQL(text).format(**names) for key, text in statements.items()}
        schema = [
            "CREATE TABLE IF NOT EXISTS {connections} (id text PRIMARY KEY, data bytea NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {memberships} ("
            " grp text NOT NULL, connection_id text NOT NULL, PRIMARY KEY (grp, connection_id))",
            "CREATE INDEX IF NOT EXISTS {by_connection} ON {memberships} (connection_id)",
        ]
        for text in schema:
            # another process may create it between our IF NOT EXISTS check and our insert
            with contextlib.suppress(psycopg.errors.UniqueViolation):
                db.execute(sql.SQL(text).format(**names))


@functools.cache
def _bounded_connection_class(timeout: float) -> Any:
    """A psycopg ``Connection`` class whose every wait on the server gives up after ``timeout``.

    psycopg's ``Connection.wait`` takes a timeout (raising ``OperationalError``, which ``_run``
    handles) but its query methods never pass one; this passes ours.  One class per timeout.
    """
    import psycopg

    bound = timeout

    class BoundedConnection(psycopg.Connection[Any]):
        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            return super().wait(gen, interval, bound if timeout is None else timeout)

    return BoundedConnection
