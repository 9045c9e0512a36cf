"""One function for an HTTP API, an SQS queue and a schedule.  Lambda handler: ``app.handler``.

HTTP requests are routed by FastAPI as usual; SQS batches come to ``/jobs`` one record at a time
(``batch_item_failures``: a failed record goes back to the queue, the others are done), and the
EventBridge schedule to ``/cron``.  See docs/events.md.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, HTTPException, Request

from asgi_lambda import asgi_handler

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/jobs")
async def job(request: Request) -> dict[str, Any]:
    record = await request.json()  # one SQS record: its body is the job
    job = json.loads(record["body"]) if record["body"].startswith("{") else {"name": record["body"]}
    if job.get("name") == "poison":
        raise HTTPException(status_code=422, detail="cannot run this job")  # back to the queue
    return {"done": job.get("name")}


@app.post("/cron")
async def cron(request: Request) -> dict[str, str]:
    event = await request.json()  # the EventBridge scheduled event
    return {"ran_at": event["time"]}


handler = asgi_handler(
    app,
    event_routes={"sqs": "/jobs", "schedule": "/cron"},
    batch_item_failures=True,
)
