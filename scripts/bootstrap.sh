#!/usr/bin/env bash
# Fresh machine -> ready to run: uv, the synced environment, and a RabbitMQ that answers.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --quiet

# The browser tests drive Debian's Chromium (nothing downloads a browser of its own).
if ! command -v chromium >/dev/null 2>&1; then
  echo "bootstrap: installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

rabbit_url="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
hostport="${rabbit_url#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$host" ] && port=5672

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if ! answers; then
  if [ "$host" != "127.0.0.1" ] && [ "$host" != "localhost" ]; then
    echo "bootstrap: RabbitMQ at $host:$port does not answer" >&2; exit 1
  fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "bootstrap: installing rabbitmq-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  echo "bootstrap: starting RabbitMQ"
  rabbitmq-server -detached
  for _ in $(seq 1 60); do answers && break; sleep 1; done
  answers || { echo "bootstrap: RabbitMQ did not start" >&2; exit 1; }
  rabbitmqctl -q await_startup >/dev/null 2>&1 || true
fi
echo "bootstrap: RabbitMQ answers at $host:$port"
