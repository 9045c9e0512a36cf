"""Log lines as Lambda's Python runtime writes them, so CloudWatch and its tooling read them alike.

Text (the default): ``[LEVEL]\\tTIMESTAMP\\tREQUEST_ID\\tmessage``, UTC with milliseconds.
``AWS_LAMBDA_LOG_FORMAT=JSON``: one JSON object per line with ``timestamp``, ``level``,
``message``, ``logger`` and ``requestId``.  ``AWS_LAMBDA_LOG_LEVEL`` sets the root level.  The
request id comes from a context variable, so concurrent invocations each log their own.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "asgi_lambda_request_id", default=None
)

_TEXT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = request_id.get()
        return True


class _JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None),
        }
        if record.exc_info:
            error = record.exc_info[1]
            fields["errorType"] = type(error).__name__
            fields["errorMessage"] = str(error)
            fields["stackTrace"] = self.formatException(record.exc_info).splitlines()
        return json.dumps({k: v for k, v in fields.items() if v is not None}, default=str)


def json_format() -> bool:
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def configure() -> None:
    """Install the root handler on stdout, once, as the managed runtime does."""
    root = logging.getLogger()
    if any(getattr(h, "_asgi_lambda_runtime", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler._asgi_lambda_runtime = True  # type: ignore[attr-defined]
    if json_format():
        handler.setFormatter(_JSONFormatter())
    else:
        formatter = logging.Formatter(_TEXT, "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(_RequestId())
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    level = "DEBUG" if level == "TRACE" else level
    known = isinstance(logging.getLevelName(level), int)  # getLevelNamesMapping is 3.11+
    root.setLevel(level if level and known else logging.WARNING)
