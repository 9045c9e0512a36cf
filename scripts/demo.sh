#!/usr/bin/env bash
# Sets up .venv if needed, then sends three events through the example app, as Lambda would.
#   bash scripts/demo.sh serve [--port N ...]   instead serves it behind a local API Gateway
#   (port 8000, or $PORT; any further arguments go to asgi-lambda serve)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
if [ "${1:-}" = serve ]; then
  shift
  port=${PORT:-8000}
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --port) port=${args[i + 1]:-$port} ;;
      --port=*) port=${args[i]#--port=} ;;
    esac
  done
  case " $* " in *" --port"*) ;; *) set -- --port "$port" "$@" ;; esac
  echo "\$ asgi-lambda serve examples.app:handler $*    (try: curl 'http://127.0.0.1:$port/hello?name=Ada')" >&2
  exec .venv/bin/asgi-lambda serve examples.app:handler "$@"
fi
run() { echo "\$ asgi-lambda $*" >&2; .venv/bin/asgi-lambda "$@"; echo; }
run invoke examples.app:handler --event http-api-v2 --path /hello --query name=Ada
run invoke examples.app:handler --event rest --method POST --path /echo \
  --header content-type:application/json --body '{"order": 42}'
run invoke examples.app:handler --event alb-multi-value --path /missing
echo "Next: bash scripts/demo.sh serve   (the same app behind a local API Gateway, port 8000)" >&2
