#!/usr/bin/env bash
# Sets up .venv if needed, then runs the whole test suite, the type check and the linter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest "$@"
.venv/bin/python -m mypy
.venv/bin/python -m ruff check asgi_lambda tests bench examples
