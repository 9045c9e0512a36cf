"""A chat room behind an API Gateway WebSocket API.  Lambda handler: ``app.handler``.

Clients connect to ``wss://{api}.execute-api.{region}.amazonaws.com/{stage}?room=lobby`` and every
message they send is posted to the other members of the room.  Connection state (the stored
handshake scope and the rooms) lives in the DynamoDB table the template creates; the function
needs ``execute-api:ManageConnections`` to post to connections (see template.yaml).
"""

from __future__ import annotations

import os

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse

from asgi_lambda import asgi_handler
from asgi_lambda.websockets import Connection

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


CHAT_PAGE = """<!doctype html>
<html>
<head><meta charset="utf-8"><title>asgi-lambda chat</title></head>
<body>
  <h1>Chat</h1>
  <form id="form"><input id="text" autocomplete="off"><button>Send</button></form>
  <ul id="log"></ul>
  <script>
    // Locally (asgi-lambda serve --websocket) the WebSocket API is on the page's own host;
    // deployed, pass ?ws=wss://{api}.execute-api.{region}.amazonaws.com/{stage}.
    const params = new URLSearchParams(location.search);
    const base = params.get("ws") || `ws://${location.host}/`;
    const socket = new WebSocket(`${base}?room=${params.get("room") || "lobby"}`);
    const log = (text) => {
      const item = document.createElement("li");
      item.textContent = text;
      document.getElementById("log").appendChild(item);
    };
    socket.onopen = () => document.body.dataset.ready = "yes";
    socket.onmessage = (message) => log(message.data);
    document.getElementById("form").onsubmit = (submitted) => {
      submitted.preventDefault();
      const input = document.getElementById("text");
      socket.send(input.value);
      input.value = "";
    };
  </script>
</body>
</html>
"""


@app.get("/chat")
async def chat_page() -> HTMLResponse:
    """The chat page: a form and ``new WebSocket(...)``."""
    return HTMLResponse(CHAT_PAGE)


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
