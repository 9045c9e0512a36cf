"""Minimal in-process Django settings, configured once and only when a Django test asks.

Django settings are process-global and cannot be undone, so they are configured lazily (from a
fixture, not at import or collection) and guarded: the Django and Channels modules share them.
``LOGGING_CONFIG=None`` keeps Django from touching the logging setup other tests rely on.
"""

from __future__ import annotations

import django
from django.conf import settings

SETTINGS = {
    "DEBUG": False,
    "SECRET_KEY": "asgi-lambda-test-only",
    "ROOT_URLCONF": "tests.frameworks.apps.django_urls",
    "ALLOWED_HOSTS": [".amazonaws.com"],
    "INSTALLED_APPS": [],
    "MIDDLEWARE": [],
    "DATABASES": {},
    "USE_TZ": True,
    "LOGGING_CONFIG": None,
}


def configure() -> None:
    """Configure Django for the framework tests (idempotent)."""
    if not settings.configured:
        settings.configure(**SETTINGS)
    django.setup(set_prefix=False)
