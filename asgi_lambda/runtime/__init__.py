"""asgi-lambda's own Lambda runtime: an asyncio Runtime API client that serves ASGI apps.

``python -m asgi_lambda.runtime`` (or the ``asgi-lambda-runtime`` script) replaces Lambda's
Python runtime client for an ASGI app: it streams responses (``ASGI_LAMBDA_INVOKE_MODE=
RESPONSE_STREAM``), posts a response before the app's background tasks run, serves
``AWS_LAMBDA_MAX_CONCURRENCY`` invocations at once on one loop, and runs lifespan startup
during init (before a SnapStart snapshot).  See docs/streaming.md.

Environment: ``AWS_LAMBDA_RUNTIME_API`` (``host:port`` or an ``http://`` URL), ``_HANDLER``
(``module.attr`` or ``module:attr``), ``LAMBDA_TASK_ROOT`` (where the module is; default the
current directory), ``ASGI_LAMBDA_INVOKE_MODE`` (``BUFFERED`` or ``RESPONSE_STREAM``; the
handler's ``invoke_mode=`` option wins), ``AWS_LAMBDA_MAX_CONCURRENCY``.
"""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
