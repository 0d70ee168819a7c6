#!/usr/bin/env bash
# Runs amqplib's own test suite (https://github.com/amqp-node/amqplib, Node.js) against a Courier
# node started here with a fresh data directory, and prints node's counts. Many of the suite's
# tests connect to amqp://localhost with no port, so the node listens on 127.0.0.1:5672, which must
# be free (COURIER_AMQP_PORT picks another for the tests that read URL).
# CI cannot fetch the suite, so this is run by hand and the counts go in docs/compatibility.md.
#
#   tests/third-party/amqplib.sh PATH_TO_AMQPLIB_CHECKOUT
#
# Needs node >= 18 and npm (Debian: apt-get install -y nodejs npm); installs the suite's
# devDependencies into the checkout. Env: COURIER_SKIP_BUILD=1, NODE_TEST_TIMEOUT (ms per test,
# default 10000; the suite's own 1000 is tuned for a broker on a quiet machine).
set -euo pipefail

SUITE=${1:?usage: $0 PATH_TO_AMQPLIB_CHECKOUT}
SUITE=$(cd "$SUITE" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$SUITE/package.json" ] && [ -d "$SUITE/test" ] || { echo "$SUITE is not an amqplib checkout" >&2; exit 2; }

if [ "${COURIER_SKIP_BUILD:-0}" != 1 ]; then
    dotnet build -c Release "$ROOT/src/Courier.Server" -nologo -v q >/dev/null
fi
(cd "$SUITE" && npm install --no-audit --no-fund --silent >/dev/null)

WORK=$(mktemp -d)
PORT=${COURIER_AMQP_PORT:-5672}
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "something already listens on 127.0.0.1:$PORT; stop it first" >&2
    exit 2
fi
BROKER_PID=""
cleanup() {
    if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$WORK" && exec dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" --amqp-address 127.0.0.1 --amqp-port "$PORT" \
    --data-dir "$WORK/data") >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 "$BROKER_PID" 2>/dev/null || { cat "$WORK/broker.log" >&2; exit 1; }
    sleep 0.2
done

echo "# amqplib $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against Courier $(git -C "$ROOT" rev-parse --short HEAD) on port $PORT"
status=0
(cd "$SUITE" && URL="amqp://guest:guest@127.0.0.1:$PORT" node --test --test-timeout="${NODE_TEST_TIMEOUT:-10000}" --test-reporter=spec test/) || status=$?
exit "$status"
