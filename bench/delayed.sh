#!/usr/bin/env bash
# Delayed delivery under load (issue 9 item 6): starts a Courier node (Release build) on a free
# loopback port over a fresh data directory, runs `courier-perftest delayed` against it, and stops
# it. The scenario schedules N persistent messages 1-2 hours ahead, then publishes RATE messages a
# second for WINDOW seconds with a 2 s delay (so RATE fall due each second while the N stay
# scheduled), and prints the broker's resident memory and each message's lateness percentiles.
#
#   bench/delayed.sh [N] [WINDOW]     N scheduled (default 1000000), window in seconds (default 30)
#
# With DELAYED_RESTART=1 the exchange is kept after the window, the node is killed (SIGKILL) and
# started again on the same directory: the script prints how long until it accepts connections,
# its resident memory then, and its log's count of recovered scheduled messages; a last run with
# nothing to schedule then deletes the exchange.
#
# Environment: DELAYED_RATE (default 10000), DELAYED_DELAY (ms, default 2000; 0 routes at once,
# the baseline: publish-to-deliver latency without delay), COURIER_SKIP_BUILD=1. RabbitMQ's delayed-message
# plugin is not packaged by Debian, so there is no peer run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCHEDULED=${1:-1000000}
WINDOW=${2:-30}
RATE=${DELAYED_RATE:-10000}
DELAY=${DELAYED_DELAY:-2000}
if [ "${COURIER_SKIP_BUILD:-0}" != 1 ]; then
    dotnet build -c Release "$ROOT/src/Courier.Server" -nologo -v q >/dev/null
    dotnet build -c Release "$ROOT/bench/Courier.PerfTest" -nologo -v q >/dev/null
fi

WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BROKER_PID=""
cleanup() {
    if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Starts the node in the background and returns once it accepts connections (at most 10 minutes).
start_broker() {
    dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" --amqp-address 127.0.0.1 --amqp-port "$PORT" \
        --mqtt-address 127.0.0.1 --mqtt-port 0 --mqtt-ws-address 127.0.0.1 --mqtt-ws-port 0 --data-dir "$WORK/data" >>"$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 1 6000); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "delayed.sh: the node did not start" >&2
    exit 1
}
start_broker

echo "# delayed: scheduled=$SCHEDULED rate=$RATE/s window=${WINDOW}s commit=$(git -C "$ROOT" rev-parse --short HEAD)"
PERFTEST="$ROOT/bench/Courier.PerfTest/bin/Release/net10.0/courier-perftest.dll"
KEEP=0
[ "${DELAYED_RESTART:-0}" = 1 ] && KEEP=1
dotnet "$PERFTEST" delayed --port "$PORT" --broker-pid "$BROKER_PID" \
    --scheduled "$SCHEDULED" --rate "$RATE" --window "$WINDOW" --delay "$DELAY" --data-dir "$WORK/data" --keep "$KEEP"
if [ "$KEEP" = 1 ]; then
    kill -9 "$BROKER_PID"
    wait "$BROKER_PID" 2>/dev/null || true
    START=$(date +%s.%N)
    start_broker
    END=$(date +%s.%N)
    echo "restart_seconds $(python3 -c "print(round($END - $START, 3))")"
    echo "rss_after_restart_mib $(( $(awk '/VmRSS/ {print $2}' "/proc/$BROKER_PID/status") / 1024 ))"
    grep -o "[0-9]* delayed messages scheduled" "$WORK/broker.log" | tail -1 | sed 's/^/recovered: /'
    dotnet "$PERFTEST" delayed --port "$PORT" --broker-pid "$BROKER_PID" --scheduled 0 --window 0 --data-dir "$WORK/data" \
        | grep -E "delete_seconds|disk_freed_seconds|journal_after_delete_mib"
fi
