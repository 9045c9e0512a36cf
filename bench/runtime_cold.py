"""The handler the runtime bench's cold-start rows start under RIE: one app, one adapter.

``BENCH_APP`` (bare, starlette or fastapi: bench/apps.py) and ``BENCH_ADAPTER`` (asgi-lambda or
mangum) choose, so that each process imports what its contender needs and nothing more.
"""

from __future__ import annotations

import os
from typing import Any

from bench.apps import COLD_START_APPS

_app = COLD_START_APPS[os.environ["BENCH_APP"]]()
handler: Any
if os.environ["BENCH_ADAPTER"] == "mangum":
    from mangum import Mangum

    handler = Mangum(_app, lifespan="on")
else:
    from asgi_lambda import asgi_handler

    handler = asgi_handler(_app, lifespan="on")
