"""The context object handlers get, built from a ``/next`` reply as awslambdaric builds it.

Same attributes, same types (``memory_limit_in_mb`` is the environment's string, as there), so
code written against Lambda's Python runtime (Powertools' ``inject_lambda_context``, Sentry's
integration, ``context.get_remaining_time_in_millis()``) runs unchanged.  What comes from the
environment is read once per execution environment, not per invocation.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ._errors import InvocationError


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        values = values or {}
        self.cognito_identity_id = values.get("cognitoIdentityId")
        self.cognito_identity_pool_id = values.get("cognitoIdentityPoolId")


class Client:
    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, values: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, values.get(name))


class ClientContext:
    __slots__ = ("custom", "env", "client", "_w3c")

    def __init__(self, values: dict[str, Any]) -> None:
        client = values.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = values.get("custom")
        self.env = values.get("env")
        self._w3c = values.get("w3c")


_ENVIRONMENT = (
    ("function_name", "AWS_LAMBDA_FUNCTION_NAME"),
    ("function_version", "AWS_LAMBDA_FUNCTION_VERSION"),
    ("memory_limit_in_mb", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
    ("log_group_name", "AWS_LAMBDA_LOG_GROUP_NAME"),
    ("log_stream_name", "AWS_LAMBDA_LOG_STREAM_NAME"),
)


class RuntimeContext:
    """One invocation's context; see the module docstring."""

    __slots__ = (
        "aws_request_id",
        "invoked_function_arn",
        "tenant_id",
        "client_context",
        "identity",
        "_deadline_ms",
    )

    # Once per environment (reset_environment() re-reads them, for tests and SnapStart).
    function_name: str | None = None
    function_version: str | None = None
    memory_limit_in_mb: str | None = None
    log_group_name: str | None = None
    log_stream_name: str | None = None

    def __init__(self, headers: dict[str, str], default_timeout: float = 30.0) -> None:
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id", "")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        self._deadline_ms = _deadline_ms(headers.get("lambda-runtime-deadline-ms"), default_timeout)
        client_context = headers.get("lambda-runtime-client-context")
        self.client_context = (
            ClientContext(_json_object(client_context, "Client Context"))
            if client_context
            else None
        )
        identity = headers.get("lambda-runtime-cognito-identity")
        self.identity = CognitoIdentity(
            _json_object(identity, "Cognito Identity") if identity else None
        )

    @property
    def deadline_ms(self) -> int:
        """The deadline, in epoch milliseconds."""
        return self._deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, message: str) -> None:
        print(message, end="" if message.endswith("\n") else "\n", flush=True)

    def w3c(self) -> dict[str, Any] | None:
        context = self.client_context
        return context._w3c if context is not None else None

    def __repr__(self) -> str:
        return (
            f"RuntimeContext(aws_request_id={self.aws_request_id!r}, "
            f"function_name={self.function_name!r}, "
            f"remaining_ms={self.get_remaining_time_in_millis()})"
        )


# Epoch milliseconds of 2001: anything smaller is not a time but a duration.
_EPOCH_FLOOR_MS = 1_000_000_000_000


def _deadline_ms(value: str | None, default_timeout: float) -> int:
    """Lambda's deadline in epoch ms; cargo-lambda sends the timeout instead (``600000``).

    Read as epoch ms, that deadline passed in 1970, and every request would time out at once;
    a value no real clock can have is taken as milliseconds from now.  Without the header the
    invocation gets ``default_timeout`` seconds (the handler's option), as without a context;
    a value that is not a number is the Runtime API's error, reported on ``/error``.
    """
    if not value:
        return int(time.time() * 1000 + default_timeout * 1000)
    try:
        deadline = int(value)
    except ValueError:
        raise InvocationError(
            "Runtime.InvalidDeadline",
            f"Lambda-Runtime-Deadline-Ms is not a number of milliseconds: {value[:64]!r}",
        ) from None
    if 0 < deadline < _EPOCH_FLOOR_MS:
        return int(time.time() * 1000) + deadline
    return deadline


def reset_environment() -> None:
    """Read the function's environment variables into ``RuntimeContext`` (once per process)."""
    for attribute, variable in _ENVIRONMENT:
        setattr(RuntimeContext, attribute, os.environ.get(variable))


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvocationError(
            "Runtime.LambdaContextUnmarshalError", f"Unable to parse {what} JSON: {exc}"
        ) from None
    return value if isinstance(value, dict) else {}
