#!/usr/bin/env bash
# Creates .venv (once) and installs asgi-lambda into it, editable, with what a profile needs:
#   bash scripts/setup.sh        everything the tests, the benchmark and the docs site use ("full")
#   bash scripts/setup.sh demo   only what the demo uses: asgi-lambda[local] and Starlette (~25 MB)
# Safe to run again: it reinstalls only when pyproject.toml or a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-full}
case "$profile" in
  demo) packages=(-e '.[local]' "starlette>=0.37") ;;
  full) packages=(-e '.[dev,frameworks,docs]' -r bench/requirements.txt) ;;
  *) echo "scripts/setup.sh: unknown profile '$profile' (demo or full)" >&2; exit 2 ;;
esac
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
digest=$(cat pyproject.toml bench/requirements.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
installed() { [ -f ".venv/.asgi-lambda-$1" ] && [ "$(cat ".venv/.asgi-lambda-$1")" = "$digest" ]; }
if installed full || installed "$profile"; then
  exit 0
fi
.venv/bin/python -m pip install --quiet "${packages[@]}"
echo "$digest" > ".venv/.asgi-lambda-$profile"
