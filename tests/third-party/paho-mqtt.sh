#!/usr/bin/env bash
# Runs the Eclipse Paho MQTT interoperability tests (https://github.com/eclipse/paho.mqtt.testing,
# interoperability/client_test.py for 3.1.1 and client_test5.py for 5.0) against a Courier node
# started here with a fresh data directory (courier-node.sh), MQTT on 127.0.0.1:1883 (which must be
# free). Prints each file's unittest summary.
# CI cannot fetch the suite, so this is run by hand and the counts go in docs/compatibility.md.
#
#   tests/third-party/paho-mqtt.sh PATH_TO_PAHO_MQTT_TESTING_CHECKOUT [client_test.py|client_test5.py]
#
# Runs with /usr/bin/python3 (the suite has no dependencies). The test files connect to
# localhost:1883 (their -h option is read as --help, and client_test.py leaves -p in the arguments
# unittest parses), so the node's MQTT port must be 1883.
set -euo pipefail
export PYTHONUNBUFFERED=1

SUITE=${1:?usage: $0 PATH_TO_PAHO_MQTT_TESTING_CHECKOUT [test file]}
SUITE=$(cd "$SUITE" && pwd)/interoperability
[ -f "$SUITE/client_test.py" ] || { echo "$SUITE has no client_test.py: not a paho.mqtt.testing checkout" >&2; exit 2; }
FILES=("${2:-client_test.py}")
[ -n "${2:-}" ] || FILES=(client_test.py client_test5.py)

COURIER_MQTT_PORT=1883
# shellcheck source=courier-node.sh
. "$(dirname "$0")/courier-node.sh"

echo "# paho.mqtt.testing $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against Courier $(git -C "$ROOT" rev-parse --short HEAD), MQTT on port 1883"
status=0
for file in "${FILES[@]}"; do
    echo "== $file"
    (cd "$SUITE" && timeout "${PAHO_FILE_TIMEOUT:-300}" /usr/bin/python3 "$file") || status=$?
done
exit "$status"
