"""Parsing backend dsns, and how a backend behaves when its server goes away and comes back."""

from __future__ import annotations

import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asgi_lambda import ConfigurationError
from asgi_lambda.websockets.backends import BackendUnavailableError, backend_from_dsn

PASSWORD = "s3cr3t-pw"


@pytest.mark.parametrize(
    ("dsn", "problem"),
    [
        ("", "expected scheme://"),
        ("memory", "expected scheme://"),
        ("mongodb://db.example/app", "unknown scheme 'mongodb'"),
        ("memory://somewhere", "memory:// takes no host or path"),
        ("memory://?size=3", "unknown parameter(s) size"),
        ("sqlite://", "a database file path is required"),
        ("redis://", "a host is required"),
        ("redis://127.0.0.1:6379/cache", "the path must be a database number"),
        ("redis://127.0.0.1:port/0", "the port must be a number"),
        ("redis://127.0.0.1:70000/0", "the port must be a number"),
        ("redis://127.0.0.1/0?ttl=0", "ttl must be a positive number, got '0'"),
        ("redis://127.0.0.1/0?ttl=soon", "ttl must be a positive number, got 'soon'"),
        ("redis://127.0.0.1/0?timeout=-1", "timeout must be a positive number"),
        ("redis://127.0.0.1/0?prefix=", "prefix must not be empty"),
        ("redis://127.0.0.1/0?prefix=a&prefix=b", "parameter 'prefix' given twice"),
        ("redis://127.0.0.1/0?ttl", "malformed URL"),
        ("redis://[::1/0", "malformed URL"),
        ("postgresql://db.example/app?table=x;drop", "table must be a plain SQL identifier"),
        ("postgresql://db.example/app?sslmod=require", "unknown parameter(s) sslmod"),
        ("dynamodb://", "expected dynamodb://table-name"),
        ("dynamodb://ab", "expected dynamodb://table-name"),
        ("dynamodb://table/extra", "expected dynamodb://table-name"),
        ("dynamodb://table?create=maybe", "create must be true or false, got 'maybe'"),
        ("dynamodb://table?endpoint_url=localhost:4566", "endpoint_url must be an http(s) URL"),
        ("s3://", "expected s3://bucket/prefix"),
        ("s3://Bad_Bucket/prefix", "expected s3://bucket/prefix"),
        ("s3://bucket?regoin=us-east-1", "unknown parameter(s) regoin"),
    ],
)
def test_bad_dsn_raises_configuration_error_naming_the_problem(dsn: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        backend_from_dsn(dsn)
    message = str(caught.value)
    assert message.startswith(f"invalid backend dsn {dsn!r}: ")
    assert problem in message


@pytest.mark.parametrize(
    "dsn",
    [
        f"redis://user:{PASSWORD}@127.0.0.1:6379/cache",
        f"rediss://:{PASSWORD}@cache.example/0?ttl=-1",
        f"redis://user:{PASSWORD}/@cache.example/0",  # an unencoded "/" turns it into a "port"
        f"postgresql://app:{PASSWORD}@db.example/app?bogus=1",
        f"postgresql://app:{PASSWORD}@db.example:99999/app",
        f"postgresql://app@db.example/app?password={PASSWORD}",
        f"mongodb://app:{PASSWORD}@db.example/app",
    ],
)
def test_configuration_error_never_shows_the_password(dsn: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        backend_from_dsn(dsn)
    assert "***" in str(caught.value)
    assert PASSWORD not in "".join(traceback.format_exception(caught.value))


@pytest.mark.parametrize(
    ("dsn", "kind"),
    [
        ("memory://", "MemoryStore"),
        ("sqlite:///state.db", "SqliteStore"),
        ("redis://127.0.0.1:6379/0", "RedisStore"),
        ("rediss://cache.example:6380/2?ttl=7200&prefix=app:", "RedisStore"),
        ("postgresql://app:pw@db.example/app?sslmode=require", "PostgresStore"),
        ("postgres://db.example/app", "PostgresStore"),
        ("dynamodb://ws-connections?region=eu-west-1&create=false", "DynamoDBStore"),
        ("s3://my-bucket/ws/connections?region=eu-west-1", "S3Store"),
        ("S3://my-bucket", "S3Store"),
    ],
)
def test_good_dsn_builds_its_backend_without_connecting(dsn: str, kind: str) -> None:
    # none of these hosts exist: construction must not touch the network
    store = backend_from_dsn(dsn)
    try:
        assert type(store).__name__ == kind
    finally:
        store.close()


@pytest.mark.parametrize("dsn", ["sqlite://mydbfile.sqlite3", "sqlite://state/ws.db"])
def test_mangums_sqlite_dsn_form_is_a_path_relative_to_the_working_directory(
    dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "state").mkdir()
    store = backend_from_dsn(dsn)
    try:
        store.save("conn-1", "scope")
    finally:
        store.close()
    assert (tmp_path / dsn.removeprefix("sqlite://")).is_file()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; stop() is an outage, start() the server coming back."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self._target = target
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self._stopping.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        listener.settimeout(0.05)
        self._track(listener)
        self._spawn(self._accept, listener)

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
        self._threads.clear()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _spawn(self, target: Callable[..., None], *args: socket.socket) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(self._target)
            for sock in (client, upstream):
                sock.settimeout(0.05)
                self._track(sock)
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                chunk = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            sink.sendall(chunk)


@pytest.fixture
def redis_proxy(redis_url: str) -> Iterator[TcpProxy]:
    """A proxy to the local Redis, not started yet: its port is closed until start()."""
    proxy = TcpProxy(_free_port(), ("127.0.0.1", 6379))
    yield proxy
    proxy.stop()


def test_save_raises_backend_unavailable_when_redis_is_down(redis_proxy: TcpProxy) -> None:
    store = backend_from_dsn(f"redis://127.0.0.1:{redis_proxy.port}/0?timeout=1")
    try:
        with pytest.raises(BackendUnavailableError, match="Redis unreachable"):
            store.save("conn-1", "x")
    finally:
        store.close()


def test_backend_unavailable_error_never_shows_the_password(redis_proxy: TcpProxy) -> None:
    store = backend_from_dsn(f"redis://user:{PASSWORD}@127.0.0.1:{redis_proxy.port}/0")
    try:
        with pytest.raises(BackendUnavailableError) as caught:
            store.save("conn-1", "x")
    finally:
        store.close()
    assert PASSWORD not in "".join(traceback.format_exception(caught.value))


def test_backend_unavailable_error_is_a_connection_error() -> None:
    # callers that know nothing of asgi-lambda still see an outage as a ConnectionError
    assert issubclass(BackendUnavailableError, ConnectionError)


def test_redis_store_works_again_after_an_outage_and_lost_nothing(
    redis_proxy: TcpProxy,
) -> None:
    import redis

    prefix = f"asgi-lambda-test:{uuid.uuid4().hex}:"
    store = backend_from_dsn(f"redis://127.0.0.1:{redis_proxy.port}/0?timeout=1&prefix={prefix}")
    try:
        redis_proxy.start()
        store.save("conn-1", "before")
        store.join("room", "conn-1")
        redis_proxy.stop()
        with pytest.raises(BackendUnavailableError):
            store.save("conn-2", "during")
        redis_proxy.start()
        store.save("conn-3", "after")
        state = (store.load("conn-1"), store.members("room"), store.load("conn-3"))
    finally:
        store.close()
        with redis.Redis(host="127.0.0.1", port=6379) as client:
            client.delete(*client.keys(f"{prefix}*"))
    assert state == ("before", ["conn-1"], "after")


def test_postgresql_store_reconnects_when_its_connection_is_killed(postgres_url: str) -> None:
    import psycopg

    table = f"test_{uuid.uuid4().hex[:16]}"
    dsn = f"{postgres_url}?table={table}&application_name={table}"
    store = backend_from_dsn(dsn)
    try:
        store.save("conn-1", "before")
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (table,),
            ).fetchone()
        assert killed == (1,)
        assert store.load("conn-1") == "before"
    finally:
        store.close()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP TABLE IF EXISTS {table}_connections, {table}_memberships")


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("postgresql://postgres@127.0.0.1:{port}/postgres", "PostgreSQL unreachable"),
        (
            "dynamodb://table?region=us-east-1&endpoint_url=http://127.0.0.1:{port}",
            "DynamoDB unreachable",
        ),
        (
            "s3://bucket/prefix?region=us-east-1&endpoint_url=http://127.0.0.1:{port}",
            "S3 unreachable",
        ),
    ],
)
def test_backend_that_is_down_raises_backend_unavailable(dsn: str, reason: str) -> None:
    store = backend_from_dsn(dsn.format(port=_free_port()))
    try:
        with pytest.raises(BackendUnavailableError, match=reason):
            store.save("conn-1", "x")
    finally:
        store.close()


def test_building_backends_imports_no_driver() -> None:
    # drivers load on first use: a cold start pays only for the backend it actually talks to
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from asgi_lambda.websockets.backends import backend_from_dsn\n"
        "for dsn in ('redis://h/0', 'postgresql://h/db', 'dynamodb://table', 's3://bucket'):\n"
        "    backend_from_dsn(dsn)\n"
        "print(sorted({'redis', 'psycopg', 'boto3', 'botocore'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
