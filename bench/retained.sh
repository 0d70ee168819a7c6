#!/usr/bin/env bash
# Many retained MQTT topics (issue 10 item 5): starts a Courier node (Release build) on free
# loopback ports over a fresh data directory, stores N retained messages t/<i/1000>/<i%1000>
# (100-byte payloads, QoS 1, over the lean client of `courier-perftest retained`), reports the
# time to store them and the node's resident memory, times a subscribe to t/7/# and to t/+/999;
# then kills the node (SIGKILL), starts it again on the same directory, reports how long until it
# accepts connections, its resident memory, the size of the retained log, and the subscribes again.
#
#   bench/retained.sh [N]     N retained topics (default 1000000)
#
# Environment: COURIER_SKIP_BUILD=1.
set -euo pipefail

TOPICS=${1:-1000000}
# shellcheck source=bench-node.sh
. "$(dirname "$0")/bench-node.sh"
READY_PORT=$MQTT_PORT
start_broker

echo "# retained: topics=$TOPICS commit=$(git -C "$ROOT" rev-parse --short HEAD) cores=$(nproc)"
dotnet "$PERFTEST" retained --port "$MQTT_PORT" --broker-pid "$BROKER_PID" --topics "$TOPICS"
echo "retained_log_mib $(du -sm "$WORK/data/keyed" | cut -f1)"

kill_and_restart_broker
grep -o "[0-9]* MQTT retained messages loaded" "$WORK/broker.log" | tail -1 | sed 's/^/after restart: /'
dotnet "$PERFTEST" retained --port "$MQTT_PORT" --broker-pid "$BROKER_PID" --topics "$TOPICS" --store 0
