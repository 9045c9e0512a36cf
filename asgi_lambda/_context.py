"""A Lambda context object for invocations made outside Lambda (the CLI, tests, local servers).

Powertools' ``Logger.inject_lambda_context`` reads ``function_name``, ``memory_limit_in_mb``,
``invoked_function_arn`` and ``aws_request_id``; a ``None`` context made it raise
``AttributeError``.  This one has every attribute the Python runtime's context has, with the
values Lambda's own would have for a function named ``function_name``, and a real deadline.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass
class LambdaContext:
    """Mirrors ``awslambdaric``'s context: attributes and ``get_remaining_time_in_millis()``."""

    function_name: str = "asgi-lambda-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    timeout: float = 30.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        name = self.function_name
        if not self.invoked_function_arn:
            self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{name}"
        if not self.log_stream_name:
            day = time.strftime("%Y/%m/%d", time.gmtime())
            self.log_stream_name = f"{day}/[{self.function_version}]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + self.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_from_file(path: str, timeout: float) -> LambdaContext:
    """A context from a JSON object of attribute names (as awslambdaric spells them)."""
    try:
        values = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"--context {path!r}: {exc}") from None
    if not isinstance(values, dict):
        raise ValueError(f"--context {path!r}: expected a JSON object of context attributes")
    known = {f.name for f in fields(LambdaContext) if not f.name.startswith("_")}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"--context {path!r}: unknown attribute(s) {', '.join(unknown)}")
    values.setdefault("timeout", timeout)
    return LambdaContext(**values)
