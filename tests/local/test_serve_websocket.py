"""``asgi-lambda serve --websocket``: a WebSocket API and its Management API, with real clients.

The ``websockets`` client connects (query, subprotocol), gets refused (403), echoes, broadcasts
between two clients; boto3 in this process posts to a connection through the local Management
API; a closed connection is gone (410, GoneException), as on AWS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from .conftest import Server

APP = "tests.local.serve_app:handler"


def ws_url(server: Server, query: str = "") -> str:
    return f"ws://127.0.0.1:{server.port}/" + (f"?{query}" if query else "")


def logged_routes(server: Server, expected: int = 3) -> list[str]:
    """The routes of the WebSocket access-log lines, once ``expected`` are there (5 s at most:
    ``$disconnect`` runs after the client has gone)."""
    import time

    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in server.log.splitlines() if " websocket env " in line]
        if len(lines) >= expected or time.monotonic() > deadline:
            return [line.split('"')[1].split()[0] for line in lines]
        time.sleep(0.05)


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 20))


def management(server: Server) -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=server.url, region_name="us-east-1")


def test_a_connection_with_a_query_and_subprotocol_is_accepted_and_echoes(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--websocket")

    async def talk() -> tuple[str | None, str]:
        async with connect(ws_url(server, "room=r1"), subprotocols=["chat.v1"]) as socket:
            await socket.send("hello")
            return socket.subprotocol, str(await socket.recv())

    assert run(talk()) == ("chat.v1", "delivered to 0")
    assert logged_routes(server) == ["$connect", "$default", "$disconnect"]  # each, logged
    assert "Deprecat" not in server.log  # uvicorn's websockets-sansio, not its deprecated one


def test_a_refused_connection_is_a_403(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--websocket")

    async def refused() -> None:
        async with connect(ws_url(server, "deny=1")):
            pass

    with pytest.raises(InvalidStatus) as refusal:
        run(refused())
    assert refusal.value.response.status_code == 403


def test_a_broadcast_reaches_the_other_client(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--websocket")

    async def two() -> tuple[str, str]:
        async with (
            connect(ws_url(server, "room=r2")) as alice,
            connect(ws_url(server, "room=r2")) as bob,
        ):
            await alice.send("whoami")  # both are connected and joined once answered
            await alice.recv()
            await bob.send("whoami")
            await bob.recv()
            await alice.send("hi bob")
            return str(await alice.recv()), str(await bob.recv())

    assert run(two()) == ("delivered to 1", "hi bob")


def test_boto3_posts_to_a_connection_and_reads_its_info(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--websocket")
    client = management(server)

    async def pushed() -> tuple[str, dict[str, Any]]:
        async with connect(ws_url(server), user_agent_header="test-agent") as socket:
            await socket.send("whoami")
            connection_id = str(await socket.recv())
            loop = asyncio.get_running_loop()
            info = await loop.run_in_executor(
                None, lambda: client.get_connection(ConnectionId=connection_id)
            )
            await loop.run_in_executor(
                None,
                lambda: client.post_to_connection(ConnectionId=connection_id, Data=b"from boto3"),
            )
            return str(await socket.recv()), info

    message, info = run(pushed())
    assert message == "from boto3"
    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    assert info["Identity"]["UserAgent"] == "test-agent"
    assert info["ConnectedAt"].year >= 2024


def test_a_disconnected_connection_is_gone(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--websocket")
    client = management(server)

    async def closed() -> str:
        async with connect(ws_url(server)) as socket:
            await socket.send("whoami")
            connection_id = str(await socket.recv())
        await asyncio.sleep(0.3)  # $disconnect reaches the handler
        return connection_id

    connection_id = run(closed())
    with pytest.raises(ClientError) as gone:
        client.post_to_connection(ConnectionId=connection_id, Data=b"late")
    assert gone.value.response["Error"]["Code"] == "GoneException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_delete_connection_closes_the_socket(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--websocket")
    client = management(server)

    async def deleted() -> int | None:
        async with connect(ws_url(server)) as socket:
            await socket.send("whoami")
            connection_id = str(await socket.recv())
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(
                None, lambda: client.delete_connection(ConnectionId=connection_id)
            )
            await socket.wait_closed()
            return socket.close_code

    assert run(deleted()) == 1000


def test_the_chat_works_on_a_machine_without_aws_credentials(
    serve: Callable[..., Server], tmp_path: Any
) -> None:
    bare = {name: None for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    bare.update(AWS_SESSION_TOKEN=None, HOME=str(tmp_path), AWS_DEFAULT_REGION=None)
    server = serve(APP, "--websocket", env=bare)

    async def two() -> str:
        async with (
            connect(ws_url(server, "room=r3")) as alice,
            connect(ws_url(server, "room=r3")) as bob,
        ):
            await alice.send("whoami")
            await alice.recv()
            await bob.send("whoami")
            await bob.recv()
            await alice.send("no credentials needed")
            return str(await bob.recv())

    assert run(two()) == "no credentials needed"
