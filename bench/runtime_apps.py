"""Handlers the runtime benchmark starts under RIE, one module for every contender.

``_HANDLER`` picks one: ``bench.runtime_apps.trivial_ours`` is served by asgi-lambda's runtime or
by awslambdaric (with the same adapter); ``trivial_mangum`` by awslambdaric with Mangum.
"""

from __future__ import annotations

from mangum import Mangum

from asgi_lambda import asgi_handler
from bench.apps import fastapi_app, trivial_app

_fastapi = fastapi_app()

trivial_ours = asgi_handler(trivial_app, lifespan="off")
trivial_mangum = Mangum(trivial_app, lifespan="off")
fastapi_ours = asgi_handler(_fastapi)
fastapi_mangum = Mangum(_fastapi)
trivial_quiet = asgi_handler(trivial_app, lifespan="off", access_log=False)
fastapi_quiet = asgi_handler(_fastapi, access_log=False)
