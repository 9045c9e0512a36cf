#!/usr/bin/env bash
# Sets up .venv if needed, then sends three events through the example app, as Lambda would.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
run() { echo "\$ asgi-lambda $*" >&2; .venv/bin/asgi-lambda "$@"; echo; }
run invoke examples.app:handler --event http-api-v2 --path /hello --query name=Ada
run invoke examples.app:handler --event rest --method POST --path /echo \
  --header content-type:application/json --body '{"order": 42}'
run invoke examples.app:handler --event alb-multi-value --path /missing
