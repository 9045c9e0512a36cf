#!/usr/bin/env bash
# Creates .venv (once) and installs asgi-lambda with everything its tests, demo and benchmark use.
# Safe to run again: it only reinstalls when pyproject.toml or a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=.venv/.asgi-lambda-installed
digest=$(cat pyproject.toml bench/requirements.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  .venv/bin/python -m pip install --quiet -e '.[dev,frameworks]' -r bench/requirements.txt
  echo "$digest" > "$stamp"
fi
