"""One behaviour suite run against every connection-state backend.

Each test gets a store of its own: a fresh dict, SQLite file, Redis key prefix, PostgreSQL table,
DynamoDB table or S3 bucket, so tests never see each other's connections.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgi_lambda.websockets.backends import (
    BackendUnavailableError,
    ConnectionStore,
    backend_from_dsn,
)

BACKENDS = ["memory", "sqlite", "redis", "postgresql", "dynamodb", "s3"]
PERSISTENT = [name for name in BACKENDS if name != "memory"]
# the driver call that opens a client/connection, per backend: it must run once per store object
CLIENT_FACTORIES: dict[str, tuple[str, str | None, str]] = {
    "sqlite": ("sqlite3", None, "connect"),
    "redis": ("redis", "Redis", "from_url"),
    "postgresql": ("psycopg", "Connection", "connect"),
    "dynamodb": ("boto3.session", "Session", "client"),
    "s3": ("boto3.session", "Session", "client"),
}


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


@pytest.fixture
def memory_dsn() -> str:
    return "memory://"


@pytest.fixture
def sqlite_dsn(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'connections.db'}"


@pytest.fixture
def redis_dsn(redis_url: str) -> Iterator[str]:
    import redis

    prefix = _unique("asgi-lambda-test:")
    yield f"{redis_url}?prefix={prefix}"
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def postgresql_dsn(postgres_url: str) -> Iterator[str]:
    import psycopg

    table = _unique("test_")
    yield f"{postgres_url}?table={table}"
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"DROP TABLE IF EXISTS {table}_connections, {table}_memberships")


@pytest.fixture
def dynamodb_dsn(moto_endpoint: str) -> str:
    return f"dynamodb://{_unique('test-')}?region=us-east-1&endpoint_url={moto_endpoint}"


@pytest.fixture
def s3_dsn(moto_endpoint: str) -> str:
    boto3: Any = importlib.import_module("boto3")  # no type information shipped
    bucket = _unique("test-")
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint)
    client.create_bucket(Bucket=bucket)
    client.close()
    return f"s3://{bucket}/ws/app?region=us-east-1&endpoint_url={moto_endpoint}"


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def dsn(backend_name: str, request: pytest.FixtureRequest) -> str:
    value: str = request.getfixturevalue(f"{backend_name}_dsn")
    return value


@pytest.fixture
def open_store(dsn: str) -> Iterator[Callable[[], ConnectionStore]]:
    """Opens stores on the test's dsn, closing every one at teardown."""
    stores: list[ConnectionStore] = []

    def open_() -> ConnectionStore:
        stores.append(backend_from_dsn(dsn))
        return stores[-1]

    yield open_
    for store in stores:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], ConnectionStore]) -> ConnectionStore:
    return open_store()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.text())
def test_load_returns_the_saved_text(store: ConnectionStore, data: str) -> None:
    store.save("conn-1", data)
    assert store.load("conn-1") == data


def test_load_of_unknown_id_is_none(store: ConnectionStore) -> None:
    store.save("known", "x")
    assert store.load("unknown") is None


def test_save_replaces_the_previous_data(store: ConnectionStore) -> None:
    store.save("conn-1", "first")
    store.save("conn-1", "second")
    assert store.load("conn-1") == "second"


def test_delete_removes_the_data(store: ConnectionStore) -> None:
    store.save("conn-1", "x")
    store.delete("conn-1")
    assert store.load("conn-1") is None


def test_delete_keeps_other_connections(store: ConnectionStore) -> None:
    store.save("conn-1", "one")
    store.save("conn-2", "two")
    store.join("room", "conn-1")
    store.join("room", "conn-2")
    store.delete("conn-1")
    assert (store.load("conn-2"), store.members("room")) == ("two", ["conn-2"])


def test_delete_drops_every_group_membership(store: ConnectionStore) -> None:
    store.save("conn-1", "x")
    store.join("a", "conn-1")
    store.join("b", "conn-1")
    store.delete("conn-1")
    assert (store.members("a"), store.members("b")) == ([], [])


def test_delete_drops_memberships_of_many_groups(store: ConnectionStore) -> None:
    # more than one DynamoDB batch (25 writes) of memberships to remove
    groups = [f"group-{index}" for index in range(30)]
    store.save("conn-1", "x")
    for group in groups:
        store.join(group, "conn-1")
    store.delete("conn-1")
    assert [group for group in groups if store.members(group)] == []


def test_delete_of_unknown_id_is_not_an_error(store: ConnectionStore) -> None:
    store.save("conn-1", "x")
    store.delete("never-saved")
    assert store.load("conn-1") == "x"


def test_delete_of_a_connection_that_only_joined_removes_the_membership(
    store: ConnectionStore,
) -> None:
    store.join("room", "conn-1")
    store.delete("conn-1")
    assert store.members("room") == []


def test_join_is_idempotent(store: ConnectionStore) -> None:
    store.join("room", "conn-1")
    store.join("room", "conn-1")
    assert store.members("room") == ["conn-1"]


def test_one_leave_undoes_a_repeated_join(store: ConnectionStore) -> None:
    store.join("room", "conn-1")
    store.join("room", "conn-1")
    store.leave("room", "conn-1")
    assert store.members("room") == []


def test_leave_removes_only_that_connection(store: ConnectionStore) -> None:
    store.join("room", "conn-1")
    store.join("room", "conn-2")
    store.leave("room", "conn-1")
    assert store.members("room") == ["conn-2"]


def test_leave_keeps_the_connections_data(store: ConnectionStore) -> None:
    store.save("conn-1", "x")
    store.join("room", "conn-1")
    store.leave("room", "conn-1")
    assert store.load("conn-1") == "x"


def test_leave_when_not_a_member_is_not_an_error(store: ConnectionStore) -> None:
    store.join("room", "conn-2")
    store.leave("room", "conn-1")
    assert store.members("room") == ["conn-2"]


def test_members_of_an_empty_group_is_an_empty_list(store: ConnectionStore) -> None:
    assert store.members("nobody-here") == []


def test_members_lists_every_member(store: ConnectionStore) -> None:
    for index in range(5):
        store.join("room", f"conn-{index}")
    assert sorted(store.members("room")) == [f"conn-{index}" for index in range(5)]


def test_groups_with_similar_names_are_independent(store: ConnectionStore) -> None:
    # names a key-prefix or path-based scheme could confuse with "room"
    groups = ["room", "room/1", "room:1", "room%2F1", "roo"]
    for index, group in enumerate(groups):
        store.join(group, f"conn-{index}")
    assert [store.members(group) for group in groups] == [[f"conn-{i}"] for i in range(5)]


def test_leaving_one_group_keeps_the_other(store: ConnectionStore) -> None:
    store.join("a", "conn-1")
    store.join("b", "conn-1")
    store.leave("a", "conn-1")
    assert (store.members("a"), store.members("b")) == ([], ["conn-1"])


def test_ids_with_url_unsafe_characters_round_trip(store: ConnectionStore) -> None:
    # API Gateway connection ids are base64-like ("L0SM9cOFvHcCIhw="); keys must survive / + = %
    connection_id = "a/b+c=d%2e f"
    store.save(connection_id, "x")
    store.join("room", connection_id)
    assert (store.load(connection_id), store.members("room")) == ("x", [connection_id])


@pytest.mark.parametrize("backend_name", PERSISTENT)
def test_another_store_object_sees_the_same_state(
    open_store: Callable[[], ConnectionStore],
) -> None:
    writer, reader = open_store(), open_store()
    writer.save("conn-1", "x")
    writer.join("room", "conn-1")
    assert (reader.load("conn-1"), reader.members("room")) == ("x", ["conn-1"])


@pytest.mark.parametrize("backend_name", PERSISTENT)
def test_the_client_is_created_once_and_reused(
    backend_name: str, store: ConnectionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    module_name, class_name, attribute = CLIENT_FACTORIES[backend_name]
    owner: Any = importlib.import_module(module_name)
    if class_name is not None:
        owner = getattr(owner, class_name)
    original = getattr(owner, attribute)
    calls: list[None] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, counting)
    store.save("conn-1", "x")
    store.join("room", "conn-1")
    store.members("room")
    store.load("conn-1")
    store.leave("room", "conn-1")
    store.delete("conn-1")
    assert len(calls) == 1


def test_memory_stores_do_not_share_state() -> None:
    first, second = backend_from_dsn("memory://"), backend_from_dsn("memory://")
    first.save("conn-1", "x")
    assert second.load("conn-1") is None


def _join_from_four_stores(dsn: str) -> tuple[list[ConnectionStore], list[str]]:
    """Four stores on one file, each joining 25 connections to "room" from a thread of its own."""
    stores = [backend_from_dsn(dsn) for _ in range(4)]
    errors: list[str] = []

    def join_many(store: ConnectionStore, worker: int) -> None:
        try:
            for index in range(25):
                store.join("room", f"conn-{worker}-{index}")
        except BackendUnavailableError as exc:
            errors.append(str(exc))

    threads = [
        threading.Thread(target=join_many, args=(store, worker))
        for worker, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stores, errors


def test_sqlite_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    stores, errors = _join_from_four_stores(f"sqlite:///{tmp_path / 'shared.db'}")
    try:
        assert errors == []
        assert len(stores[0].members("room")) == 100
    finally:
        for store in stores:
            store.close()


def test_sqlite_store_opening_a_file_others_are_writing_waits_instead_of_failing(
    tmp_path: Path,
) -> None:
    """A store's first use switches the file to WAL; while others write, that must wait.

    Before the fix, about one attempt in ten failed with "database is locked": 40 attempts.
    """
    errors: list[str] = []
    for attempt in range(40):
        stores, found = _join_from_four_stores(f"sqlite:///{tmp_path / f'{attempt}.db'}")
        for store in stores:
            store.close()
        errors.extend(found)
    assert errors == []


def test_sqlite_relative_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = backend_from_dsn("sqlite:///ws.db")
    try:
        store.save("conn-1", "x")
    finally:
        store.close()
    assert (tmp_path / "ws.db").is_file()


def test_redis_ttl_applies_to_every_key(redis_url: str) -> None:
    import redis

    prefix = _unique("asgi-lambda-test:")
    store = backend_from_dsn(f"{redis_url}?prefix={prefix}&ttl=300")
    try:
        store.save("conn-1", "x")
        store.join("room", "conn-1")
    finally:
        store.close()
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        ttls = {key: client.ttl(key) for key in client.scan_iter(match=f"{prefix}*")}
        if ttls:
            client.delete(*ttls)
    assert sorted(ttls) == [f"{prefix}conn:conn-1", f"{prefix}group:room", f"{prefix}groups:conn-1"]
    assert all(0 < ttl <= 300 for ttl in ttls.values())


def test_redis_keys_expire_after_two_hours_by_default(redis_url: str) -> None:
    import redis

    prefix = _unique("asgi-lambda-test:")
    store = backend_from_dsn(f"{redis_url}?prefix={prefix}")
    try:
        store.save("conn-1", "x")
    finally:
        store.close()
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        ttl = client.ttl(f"{prefix}conn:conn-1")
        client.delete(f"{prefix}conn:conn-1")
    assert 7100 < ttl <= 7200


def test_dynamodb_items_carry_expires_at_and_the_created_table_expires_them(
    moto_endpoint: str,
) -> None:
    boto3: Any = importlib.import_module("boto3")
    table = _unique("ttl-")
    store = backend_from_dsn(f"dynamodb://{table}?region=us-east-1&endpoint_url={moto_endpoint}")
    try:
        store.save("conn-1", "x")
        store.join("room", "conn-1")
    finally:
        store.close()
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto_endpoint)
    try:
        ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        items = client.scan(TableName=table)["Items"]
    finally:
        client.close()
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    assert len(items) == 3
    now = time.time()
    assert all(7100 < int(item["expires_at"]["N"]) - now <= 7200 for item in items)


def test_dynamodb_without_create_reports_a_missing_table(moto_endpoint: str) -> None:
    table = _unique("missing-")
    store = backend_from_dsn(
        f"dynamodb://{table}?region=us-east-1&endpoint_url={moto_endpoint}&create=false"
    )
    try:
        with pytest.raises(BackendUnavailableError, match=f"{table}.*does not exist"):
            store.save("conn-1", "x")
    finally:
        store.close()


def test_dynamodb_writes_at_most_25_items_per_batch(
    dynamodb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto accepts bigger batches; real DynamoDB rejects more than 25 writes per BatchWriteItem
    session: Any = importlib.import_module("boto3.session")  # no type information shipped
    sizes: list[int] = []
    original = session.Session.client

    def record(params: dict[str, Any], **_: Any) -> None:
        sizes.append(sum(len(requests) for requests in params["RequestItems"].values()))

    def client(self: Any, *args: Any, **kwargs: Any) -> Any:
        created = original(self, *args, **kwargs)
        created.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", record)
        return created

    monkeypatch.setattr(session.Session, "client", client)
    store = backend_from_dsn(dynamodb_dsn)
    try:
        for index in range(30):
            store.join(f"group-{index}", "conn-1")
        store.save("conn-1", "x")
        del sizes[:]
        store.delete("conn-1")
    finally:
        store.close()
    assert sizes == [25, 25, 11]


def test_a_mangum_dynamodb_table_is_named_with_the_schema_needed(moto_endpoint: str) -> None:
    boto3: Any = importlib.import_module("boto3")
    table = _unique("mangum-")
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto_endpoint)
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.close()
    store = backend_from_dsn(f"dynamodb://{table}?region=us-east-1&endpoint_url={moto_endpoint}")
    try:
        with pytest.raises(BackendUnavailableError, match="has Mangum's layout.*pk \\(HASH\\)"):
            store.save("conn-1", "x")
    finally:
        store.close()
