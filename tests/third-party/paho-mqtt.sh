#!/usr/bin/env bash
# Runs the Eclipse Paho MQTT interoperability tests (https://github.com/eclipse/paho.mqtt.testing,
# interoperability/client_test.py for 3.1.1 and client_test5.py for 5.0) against a Courier node
# started here with a fresh data directory (courier-node.sh), MQTT on 127.0.0.1:$COURIER_MQTT_PORT
# (default 1883) and AMQP on $COURIER_AMQP_PORT (default: a free port). Prints each file's
# unittest summary.
# CI cannot fetch the suite, so this is run by hand and the counts go in docs/compatibility.md.
#
#   tests/third-party/paho-mqtt.sh PATH_TO_PAHO_MQTT_TESTING_CHECKOUT [client_test.py|client_test5.py [TEST_NAME...]]
#
# e.g. COURIER_MQTT_PORT=18830 tests/third-party/paho-mqtt.sh /tmp/paho client_test5.py Test.test_topic_alias
#
# Runs with /usr/bin/python3 (the suite has no dependencies). The test files take the port as -p,
# which client_test.py also leaves for unittest to parse; so each file is run through a wrapper
# that gives unittest only the test names. The node is configured as the suite expects of a
# broker: the filter test/nosubscribe is refused (test_subscribe_failure), by a topic permission of
# guest on amq.topic whose read pattern excludes its binding key (docs/mqtt.md, "Topic
# permissions"). The suite's test_server_keep_alive expects a broker whose maximum keep-alive is 60
# seconds, and client_test.py connects with keep-alive 0 (which such a broker refuses a 3.1.1
# client): so a run of client_test5.py alone starts the node with --mqtt-max-keepalive 60.
set -euo pipefail
export PYTHONUNBUFFERED=1

SUITE=${1:?usage: $0 PATH_TO_PAHO_MQTT_TESTING_CHECKOUT [test file [test names]]}
SUITE=$(cd "$SUITE" && pwd)/interoperability
[ -f "$SUITE/client_test.py" ] || { echo "$SUITE has no client_test.py: not a paho.mqtt.testing checkout" >&2; exit 2; }
FILES=("${2:-client_test.py}")
[ -n "${2:-}" ] || FILES=(client_test.py client_test5.py)
NAMES=("${@:3}")
COURIER_NODE_ARGS=(--Broker:TopicPermissions:0:Read '^(?!test\.nosubscribe$)')
if [ "${2:-}" = client_test5.py ]; then
    COURIER_NODE_ARGS+=(--mqtt-max-keepalive 60)
fi

COURIER_MQTT_PORT=${COURIER_MQTT_PORT:-1883}
COURIER_AMQP_PORT=${COURIER_AMQP_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}
# shellcheck source=courier-node.sh
. "$(dirname "$0")/courier-node.sh"

echo "# paho.mqtt.testing $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against Courier $(git -C "$ROOT" rev-parse --short HEAD), MQTT on port $MQTT_PORT, node options: ${COURIER_NODE_ARGS[*]}"
status=0
for file in "${FILES[@]}"; do
    echo "== $file"
    (cd "$SUITE" && timeout "${PAHO_FILE_TIMEOUT:-300}" /usr/bin/python3 - "$file" "$MQTT_PORT" ${NAMES[@]+"${NAMES[@]}"} <<'PY'
import runpy, sys, unittest
file, port, names = sys.argv[1], sys.argv[2], sys.argv[3:]
main = unittest.main
unittest.main = lambda *args, **kwargs: main(*args, **{**kwargs, "argv": [file, *names]})
sys.argv = [file, "-p", port]
sys.path.insert(0, ".")
runpy.run_path(file, run_name="__main__")
PY
    ) || status=$?
done
exit "$status"
