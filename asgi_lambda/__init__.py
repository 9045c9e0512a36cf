"""asgi-lambda: run any ASGI application on AWS Lambda."""

from ._errors import BadRequestError, ConfigurationError, EventError, UnknownEventError
from ._handler import InvocationFailedError, asgi_handler
from ._http.middleware import CallNext, Middleware
from ._http.request import Request
from ._http.response import Response
from ._version import __version__

__all__ = [
    "BadRequestError",
    "CallNext",
    "ConfigurationError",
    "EventError",
    "InvocationFailedError",
    "Middleware",
    "Request",
    "Response",
    "UnknownEventError",
    "__version__",
    "asgi_handler",
]
