#!/usr/bin/env bash
# Builds the sdist and the wheel into dist/ and checks them with twine: what a release uploads,
# and what the examples install from this clone until asgi-lambda is on PyPI (README "Install").
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the build backend and twine, in a small venv of their own (not the 777 MB test setup).
python=${PYTHON:-python3}
tools=${ASGI_LAMBDA_CACHE:-$HOME/.cache/asgi-lambda}/build-venv
if [ ! -x "$tools/bin/python" ]; then
  "$python" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet build twine
fi
rm -rf dist
"$tools/bin/python" -m build --outdir dist . >/dev/null
"$tools/bin/python" -m twine check --strict dist/*
ls dist
