"""Lemon (``pylemon`` 0.6.3, from the asgi-examples list): an ASGI 2 app, under asgi_handler.

``pip install pylemon`` fails on Python 3.10+: it pins ``uvicorn==0.8.4``, whose ``uvloop`` and
``httptools`` no longer build.  Lemon itself needs neither to run under asgi-lambda, so the test
installs it without its dependencies (plus the two it imports, ``kua`` and ``werkzeug`` 0.15),
once, into the cache, and runs a Lemon app in a process of its own with that on its path
(werkzeug 0.15 would break Quart in this one).  docs/frameworks/README.md says the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulators.runtime_emulators import cache_dir, missing

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("pylemon==0.6.3", "kua==0.2", "werkzeug==0.15.5")
SCRIPT = """
import json
from lemon.app import Lemon
from lemon.router import Router
from asgi_lambda import asgi_handler
from asgi_lambda._samples import sample_event

async def hello(ctx):
    name = ctx.req.query.get("name", "world")
    ctx.body = {"hello": name, "method": ctx.req.method}

async def echo(ctx):
    ctx.body = {"got": ctx.req.form}

router = Router()
router.get("/hello", hello)
router.post("/echo", echo)
app = Lemon()
app.use(router.routes())
handler = asgi_handler(app.application)
answers = [
    handler(sample_event(source, "GET", "/hello", "name=Ada"), None)
    for source in ("http-api-v2", "rest", "alb")
]
answers.append(handler(sample_event(
    "http-api-v2", "POST", "/echo", "", [("content-type", "application/json")], b'{"a": 1}'
), None))
answers.append(handler(sample_event("http-api-v2", "GET", "/nowhere"), None))
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def lemon_path() -> Path:
    target = cache_dir() / "pylemon-0.6.3"
    if not (target / "lemon").exists():
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(target),
                *PACKAGES,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            missing(f"pip install --no-deps {' '.join(PACKAGES)}: {result.stderr[-500:]}")
    return target


def test_a_lemon_app_answers_on_http_api_rest_and_alb(lemon_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(lemon_path), str(REPO)])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    *hellos, echoed, missing_route = json.loads(result.stdout.strip().splitlines()[-1])
    for answer in hellos:
        assert answer["statusCode"] == 200
        assert json.loads(answer["body"]) == {"hello": "Ada", "method": "GET"}
    assert json.loads(echoed["body"]) == {"got": {"a": 1}}
    assert missing_route["statusCode"] == 404
