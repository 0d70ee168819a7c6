#!/usr/bin/env bash
# Delayed delivery under load (issue 9 item 6): starts a Courier node (Release build) on a free
# loopback port over a fresh data directory, runs `courier-perftest delayed` against it, and stops
# it. The scenario schedules N persistent messages 1-2 hours ahead, then publishes RATE messages a
# second for WINDOW seconds with a 2 s delay (so RATE fall due each second while the N stay
# scheduled), and prints the broker's resident memory and each message's lateness percentiles.
#
#   bench/delayed.sh [N] [WINDOW]     N scheduled (default 1000000), window in seconds (default 30)
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

dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" --amqp-address 127.0.0.1 --amqp-port "$PORT" \
    --data-dir "$WORK/data" >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.2
done

echo "# delayed: scheduled=$SCHEDULED rate=$RATE/s window=${WINDOW}s commit=$(git -C "$ROOT" rev-parse --short HEAD)"
dotnet "$ROOT/bench/Courier.PerfTest/bin/Release/net10.0/courier-perftest.dll" delayed --port "$PORT" --broker-pid "$BROKER_PID" \
    --scheduled "$SCHEDULED" --rate "$RATE" --window "$WINDOW" --delay "$DELAY" --data-dir "$WORK/data"
