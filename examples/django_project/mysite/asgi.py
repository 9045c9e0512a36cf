"""The ASGI application and the Lambda handler: ``mysite.asgi.handler``.

Django has no ASGI lifespan support, so lifespan is off; ``"auto"`` would also work (it finds out
once per execution environment and serves on).
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from asgi_lambda import asgi_handler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_asgi_application()
handler = asgi_handler(
    application,
    api_gateway_base_path=os.environ.get("API_BASE_PATH", "/"),
    strip_stage_path=True,
    lifespan="off",
)
