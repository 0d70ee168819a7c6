#!/usr/bin/env bash
# Runs amqplib's own test suite (https://github.com/amqp-node/amqplib, Node.js) against a Courier
# node started here with a fresh data directory (courier-node.sh), and prints node's counts. Many
# of the suite's tests connect to amqp://localhost with no port, so the node listens on
# 127.0.0.1:5672, which must be free.
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
[ -f "$SUITE/package.json" ] && [ -d "$SUITE/test" ] || { echo "$SUITE is not an amqplib checkout" >&2; exit 2; }

(cd "$SUITE" && npm install --no-audit --no-fund --silent >/dev/null)
# shellcheck source=courier-node.sh
. "$(dirname "$0")/courier-node.sh"

echo "# amqplib $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against Courier $(git -C "$ROOT" rev-parse --short HEAD) on port $PORT"
status=0
(cd "$SUITE" && URL="amqp://guest:guest@127.0.0.1:$PORT" node --test --test-timeout="${NODE_TEST_TIMEOUT:-10000}" --test-reporter=spec test/) || status=$?
exit "$status"
