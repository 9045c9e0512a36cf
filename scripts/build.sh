#!/usr/bin/env bash
# Builds the sdist and the wheel into dist/ and checks them with twine: what a release uploads,
# and what the examples install from this clone until asgi-lambda is on PyPI (README "Install").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf dist
.venv/bin/python -m build --outdir dist . >/dev/null
.venv/bin/python -m twine check --strict dist/*
ls dist
