#!/usr/bin/env bash
# Runs the Eclipse Paho MQTT interoperability tests (https://github.com/eclipse/paho.mqtt.testing,
# interoperability/client_test.py for 3.1.1 and client_test5.py for 5.0) against a Courier node
# started here with a fresh data directory (courier-node.sh), MQTT on 127.0.0.1:$COURIER_MQTT_PORT
# (default 1883, which must be free). Prints each file's unittest summary.
# CI cannot fetch the suite, so this is run by hand and the counts go in docs/compatibility.md.
#
#   tests/third-party/paho-mqtt.sh PATH_TO_PAHO_MQTT_TESTING_CHECKOUT [client_test.py|client_test5.py]
#
# Runs with /usr/bin/python3 (the suite has no dependencies). MQTT is on $COURIER_MQTT_PORT (default
# 1883, which the suite assumes; another port is passed with -p, and a wrapper keeps client_test.py
# from handing -p on to unittest) and AMQP on $COURIER_AMQP_PORT (default: a free port).
# The node is configured as the suite expects of a broker: the filter test/nosubscribe is refused
# (test_subscribe_failure), by a topic permission of guest on amq.topic whose read pattern excludes
# its binding key (docs/mqtt.md, "Topic permissions").
set -euo pipefail
export PYTHONUNBUFFERED=1

SUITE=${1:?usage: $0 PATH_TO_PAHO_MQTT_TESTING_CHECKOUT [test file]}
SUITE=$(cd "$SUITE" && pwd)/interoperability
[ -f "$SUITE/client_test.py" ] || { echo "$SUITE has no client_test.py: not a paho.mqtt.testing checkout" >&2; exit 2; }
FILES=("${2:-client_test.py}")
[ -n "${2:-}" ] || FILES=(client_test.py client_test5.py)

COURIER_MQTT_PORT=${COURIER_MQTT_PORT:-1883}
COURIER_AMQP_PORT=${COURIER_AMQP_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}
COURIER_NODE_ARGS=(--Broker:TopicPermissions:0:Read '^(?!test\.nosubscribe$)')
# shellcheck source=courier-node.sh
. "$(dirname "$0")/courier-node.sh"

echo "# paho.mqtt.testing $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against Courier $(git -C "$ROOT" rev-parse --short HEAD), MQTT on port $MQTT_PORT"
status=0
for file in "${FILES[@]}"; do
    echo "== $file"
    # unittest gets the file name only: the suite's own getopt reads -p.
    (cd "$SUITE" && timeout "${PAHO_FILE_TIMEOUT:-300}" /usr/bin/python3 -c '
import runpy, sys, unittest
sys.argv = sys.argv[1:]
main = unittest.main
unittest.main = lambda *a, **k: main(*a, argv=[sys.argv[0]], **k)
runpy.run_path(sys.argv[0], run_name="__main__")' "$file" -p "$MQTT_PORT") || status=$?
done
exit "$status"
