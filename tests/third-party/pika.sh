#!/usr/bin/env bash
# Runs pika's own acceptance tests (https://github.com/pika/pika, Python) against a Courier node
# started here with a fresh data directory (courier-node.sh) on 127.0.0.1:5672, where the tests
# expect a RabbitMQ, and prints pytest's counts. The checkout's pika is the one tested.
# CI cannot fetch the suite, so this is run by hand and the counts go in docs/compatibility.md.
#
#   tests/third-party/pika.sh PATH_TO_PIKA_CHECKOUT [pytest arguments]
#
# Needs Debian's python3-pytest, python3-pytest-timeout, python3-twisted, python3-tornado and
# python3-gevent (the adapters' tests import them; run with /usr/bin/python3).
# Env: COURIER_SKIP_BUILD=1.
set -euo pipefail

SUITE=${1:?usage: $0 PATH_TO_PIKA_CHECKOUT [pytest arguments]}
shift
SUITE=$(cd "$SUITE" && pwd)
[ -d "$SUITE/tests/acceptance" ] && [ -d "$SUITE/pika" ] || { echo "$SUITE is not a pika checkout" >&2; exit 2; }
/usr/bin/python3 -c 'import pytest, pytest_timeout, twisted, tornado, gevent' 2>/dev/null || {
    echo "needs: apt-get install -y python3-pytest python3-pytest-timeout python3-twisted python3-tornado python3-gevent" >&2
    exit 2
}

# shellcheck source=courier-node.sh
. "$(dirname "$0")/courier-node.sh"

echo "# pika $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against Courier $(git -C "$ROOT" rev-parse --short HEAD) on port $PORT"
status=0
(cd "$SUITE" && /usr/bin/python3 -m pytest tests/acceptance -p no:cacheprovider --timeout=120 -q -rfE "$@") || status=$?
exit "$status"
