"""Errors as Lambda's Python runtime (awslambdaric 4) reports them, so nothing downstream changes.

The JSON posted to ``/invocation/{id}/error`` and ``/init/error`` is what the caller of
``Invoke`` gets back (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``), and what
CloudWatch shows, so it keeps awslambdaric's keys, its ``traceback.format_list`` stack entries
and its ``Runtime.*`` types for what goes wrong around the handler.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from typing import Any

from . import _logging

logger = logging.getLogger("asgi_lambda.runtime")

# The runtime's own frames are cut from the top of a stack, as awslambdaric cuts bootstrap.py.
_OWN_FRAMES = ("/asgi_lambda/runtime/", "/asgi_lambda/_loop.py")


class InitError(Exception):
    """Importing or finding the handler failed: reported to ``/init/error``, then exit 1."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []
        self.report_path = "/init/error"

    def payload(self) -> dict[str, Any]:
        return make_error(self.message, self.error_type, self.stack)


class InvocationError(Exception):
    """A failure around the handler (bad context JSON, a result JSON cannot hold)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def make_error(
    message: str, error_type: str, stack: list[str], request_id: str = ""
) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }


def stack_of(error: BaseException) -> list[str]:
    """The traceback as ``format_list`` entries, without the runtime's own leading frames."""
    frames = traceback.extract_tb(error.__traceback__)
    start = 0
    while start < len(frames) and any(part in frames[start].filename for part in _OWN_FRAMES):
        start += 1
    return traceback.format_list(frames[start:])


def fault(error: BaseException, request_id: str = "") -> dict[str, Any]:
    """The error payload for an exception the handler raised."""
    if isinstance(error, InvocationError):
        return make_error(error.message, error.error_type, [], request_id)
    return make_error(str(error), type(error).__name__, stack_of(error), request_id)


def xray_cause(payload: dict[str, Any], working_directory: str) -> str:
    """``Lambda-Runtime-Function-XRay-Error-Cause``: the error, as X-Ray's segment wants it."""
    cause = {
        "working_directory": working_directory,
        "exceptions": [{"message": payload["errorMessage"], "type": payload["errorType"]}],
        "paths": [],
    }
    text = json.dumps(cause)
    return text if len(text) < 64 * 1024 else ""


def log_error(payload: dict[str, Any], json_format: bool) -> None:
    """The log record awslambdaric writes for an unhandled error, in the same two formats."""
    if json_format:
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "ERROR",
            **payload,
        }
        _logging.write(json.dumps(record), logging.ERROR)
        return
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}"]
    lines.append("Traceback (most recent call last):")
    for entry in payload["stackTrace"]:
        lines.extend(_nbsp_indent(line) for line in entry.splitlines())
    # One record per error in CloudWatch: Lambda splits stdout on "\n", not on "\r"; a
    # telemetry frame is one record whatever it holds.
    _logging.write(("\n" if _logging.telemetry() else "\r").join(lines), logging.ERROR)


def _nbsp_indent(line: str) -> str:
    """Leading spaces as no-break spaces, as awslambdaric keeps CloudWatch from trimming them."""
    text = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(text)) + text
