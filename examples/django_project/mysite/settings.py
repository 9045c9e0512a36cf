"""Settings for running the example Django project on Lambda.

Everything deployment-specific comes from environment variables the template sets.  What is
different on Lambda, and why:

- The file system is read-only except /tmp: nothing here writes next to the code (no SQLite file
  in the project, no collected static files at run time, uploads spill to /tmp).
- Static files are collected at build time and served by S3/CloudFront (STATIC_URL), not by the
  function; Django never serves them with DEBUG off anyway.
- Under ASGI, Django gives every request its own thread for sync code, so persistent database
  connections do not help: keep CONN_MAX_AGE at 0 (the default) or use RDS Proxy.
"""

from __future__ import annotations

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-example-key-set-DJANGO_SECRET_KEY")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
# API Gateway and ALB hosts; add your custom domain.
ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", ".amazonaws.com,.on.aws,localhost,127.0.0.1"
).split(",")

INSTALLED_APPS = [
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "mysite.urls"
TEMPLATES: list[dict[str, object]] = []
DATABASES: dict[str, dict[str, object]] = {}  # e.g. postgres via RDS Proxy, CONN_MAX_AGE = 0

USE_TZ = True
STATIC_URL = os.environ.get("DJANGO_STATIC_URL", "/static/")
STATIC_ROOT = "/tmp/static"  # only `collectstatic` at build time writes here
FILE_UPLOAD_TEMP_DIR = "/tmp"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
