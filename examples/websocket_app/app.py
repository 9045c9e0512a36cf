"""A chat room behind an API Gateway WebSocket API.  Lambda handler: ``app.handler``.

Clients connect to ``wss://{api}.execute-api.{region}.amazonaws.com/{stage}?room=lobby`` and every
message they send is posted to the other members of the room.  Connection state (the stored
handshake scope and the rooms) lives in the DynamoDB table the template creates; the function
needs ``execute-api:ManageConnections`` to post to connections (see template.yaml).
"""

from __future__ import annotations

import os

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from asgi_lambda import asgi_handler
from asgi_lambda.websockets import Connection

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.websocket("/")
async def chat(websocket: WebSocket, room: str = "lobby") -> None:
    connection: Connection = websocket.scope["aws.websocket"]
    await websocket.accept()
    if connection.event_type == "CONNECT":
        connection.join(room)  # once, on $connect: the membership is stored
    try:
        while True:
            text = await websocket.receive_text()
            delivered = connection.broadcast(
                room, f"{connection.connection_id}: {text}", exclude_self=True
            )
            await websocket.send_text(f"delivered to {delivered}")
    except WebSocketDisconnect:
        # Only on the real $disconnect: the store forgets the connection and its rooms.
        connection.broadcast(room, f"{connection.connection_id} left")


# CONNECTIONS_DSN is set by the template: dynamodb://{table}?create=false (the table is managed
# by CloudFormation).  The SQLite default is for local runs only: /tmp is per environment.
handler = asgi_handler(
    app, dsn=os.environ.get("CONNECTIONS_DSN", "sqlite:////tmp/asgi-lambda-connections.db")
)
