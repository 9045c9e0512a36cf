"""The exceptions asgi-lambda raises on purpose.

All are ``ValueError`` subclasses so callers that only know "bad input" can catch them generically.
"""

from __future__ import annotations


class ConfigurationError(ValueError):
    """An option of ``asgi_handler`` (or a backend ``dsn``) is invalid; raised at construction."""


class EventError(ValueError):
    """The invocation's event cannot be handled."""


class UnknownEventError(EventError):
    """The event has none of the shapes asgi-lambda knows; the message names those tried."""


class BadRequestError(EventError):
    """The event has a known shape but bad values (say, an invalid base64 body).

    The handler answers it in the source's response shape with ``status`` (400 unless the problem
    is a body too large, 413) and the message as a one-line plain-text body.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
