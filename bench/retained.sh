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

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOPICS=${1:-1000000}
if [ "${COURIER_SKIP_BUILD:-0}" != 1 ]; then
    dotnet build -c Release "$ROOT/src/Courier.Server" -nologo -v q >/dev/null
    dotnet build -c Release "$ROOT/bench/Courier.PerfTest" -nologo -v q >/dev/null
fi

WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
AMQP_PORT=$(free_port)
MQTT_PORT=$(free_port)
BROKER_PID=""
cleanup() {
    if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Starts the node in the background and returns once MQTT accepts connections (at most 10 minutes).
start_broker() {
    dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" --amqp-address 127.0.0.1 --amqp-port "$AMQP_PORT" \
        --mqtt-address 127.0.0.1 --mqtt-port "$MQTT_PORT" --mqtt-ws-address 127.0.0.1 --mqtt-ws-port 0 --data-dir "$WORK/data" >>"$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 1 6000); do
        (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "retained.sh: the node did not start" >&2
    exit 1
}
start_broker

echo "# retained: topics=$TOPICS commit=$(git -C "$ROOT" rev-parse --short HEAD) cores=$(nproc)"
PERFTEST="$ROOT/bench/Courier.PerfTest/bin/Release/net10.0/courier-perftest.dll"
dotnet "$PERFTEST" retained --port "$MQTT_PORT" --broker-pid "$BROKER_PID" --topics "$TOPICS"
echo "retained_log_mib $(du -sm "$WORK/data/keyed" | cut -f1)"

kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
START=$(date +%s.%N)
start_broker
END=$(date +%s.%N)
echo "restart_seconds $(python3 -c "print(round($END - $START, 3))")"
echo "rss_after_restart_mib $(( $(awk '/VmRSS/ {print $2}' "/proc/$BROKER_PID/status") / 1024 ))"
grep -o "[0-9]* MQTT retained messages loaded" "$WORK/broker.log" | tail -1 | sed 's/^/after restart: /'
dotnet "$PERFTEST" retained --port "$MQTT_PORT" --broker-pid "$BROKER_PID" --topics "$TOPICS" --store 0
