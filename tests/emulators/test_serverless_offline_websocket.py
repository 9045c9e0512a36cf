"""examples/websocket_app, unchanged, under serverless-offline 13 with a real WebSocket client.

The app broadcasts through the Management API; serverless-offline serves it at its WebSocket
port, and the example's serverless.yml points AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI there.
"""

from __future__ import annotations

import asyncio

from websockets.asyncio.client import ClientConnection, connect

from tests.emulators.serverless_offline import Emulator

TIMEOUT = 20


async def _next(client: ClientConnection) -> str:
    message = await asyncio.wait_for(client.recv(), TIMEOUT)
    return message if isinstance(message, str) else message.decode()


def test_two_clients_chat_through_the_example_and_a_leave_is_announced(
    offline_chat: Emulator,
) -> None:
    url = f"ws://127.0.0.1:{offline_chat.websocket_port}?room=lobby"

    async def chat() -> tuple[str, str, str]:
        async with (
            connect(url, open_timeout=TIMEOUT) as alice,
            connect(url, open_timeout=TIMEOUT) as bob,
        ):
            await alice.send("hello bob")
            delivered = await _next(alice)
            received = await _next(bob)
            await alice.close()
            left = await _next(bob)
            return delivered, received, left

    delivered, received, left = asyncio.run(asyncio.wait_for(chat(), 4 * TIMEOUT))
    assert delivered == "delivered to 1"
    assert received.endswith(": hello bob")
    assert left.endswith(" left")
    assert received.split(":")[0] == left.split(" ")[0]  # both name alice's connection
