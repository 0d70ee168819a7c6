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

SCHEDULED=${1:-1000000}
WINDOW=${2:-30}
RATE=${DELAYED_RATE:-10000}
DELAY=${DELAYED_DELAY:-2000}
# shellcheck source=bench-node.sh
. "$(dirname "$0")/bench-node.sh"
start_broker

echo "# delayed: scheduled=$SCHEDULED rate=$RATE/s window=${WINDOW}s commit=$(git -C "$ROOT" rev-parse --short HEAD)"
KEEP=0
[ "${DELAYED_RESTART:-0}" = 1 ] && KEEP=1
dotnet "$PERFTEST" delayed --port "$AMQP_PORT" --broker-pid "$BROKER_PID" \
    --scheduled "$SCHEDULED" --rate "$RATE" --window "$WINDOW" --delay "$DELAY" --data-dir "$WORK/data" --keep "$KEEP"
if [ "$KEEP" = 1 ]; then
    kill_and_restart_broker
    grep -o "[0-9]* delayed messages scheduled" "$WORK/broker.log" | tail -1 | sed 's/^/recovered: /'
    dotnet "$PERFTEST" delayed --port "$AMQP_PORT" --broker-pid "$BROKER_PID" --scheduled 0 --window 0 --data-dir "$WORK/data" \
        | grep -E "delete_seconds|disk_freed_seconds|journal_after_delete_mib"
fi
