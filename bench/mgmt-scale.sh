#!/usr/bin/env bash
# The management API with 100,000 queues and 1,000 connections, on Courier and on RabbitMQ
# (Debian's rabbitmq-server with rabbitmq_management) in the same run: each broker is filled by
# `courier-perftest mgmt-scale` (queues declared with no-wait over a few channels on Courier,
# imported from a generated definitions file with `rabbitmqctl import_definitions` on RabbitMQ;
# 1,000 of them given 1..10 messages, then the idle connections opened), which then times
# GET /api/queues?page=1&page_size=100 (plain, sorted by messages descending, filtered by name,
# and the web UI's first page of 50 with its columns),
# GET /api/overview and GET /api/queues/%2F/{name}: median and p99 over --calls calls each.
#
#   bench/mgmt-scale.sh                        100000 queues, 1000 connections, 50 calls, both brokers
#   bench/mgmt-scale.sh --queues 10000 --connections 100 --calls 20 --only courier
#
# Prints each broker's lines and a markdown table (figures and RabbitMQ/Courier ratios); with
# --out FILE also writes the table there. Both brokers run as children of this script on free
# loopback ports with their data under a temporary directory, one after the other, and are stopped
# by pid when the script exits. Builds Courier.Server and Courier.PerfTest (Release) first.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
QUEUES=100000
CONNECTIONS=1000
CALLS=50
ONLY=""
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --queues) QUEUES=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --calls) CALLS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "mgmt-scale.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
ulimit -n "$(ulimit -Hn)" 2> /dev/null || true

WORK=$(mktemp -d /tmp/courier-mgmt-scale.XXXXXX)
COURIER_PID=""
RABBIT_SCRIPT_PID=""
RABBIT_PID=""
EPMD_PID=""
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }


stop_rabbitmq() {
    stop_pid "$RABBIT_SCRIPT_PID" 60
    stop_pid "$RABBIT_PID" 5
    stop_pid "$EPMD_PID" 5
    RABBIT_SCRIPT_PID="" RABBIT_PID="" EPMD_PID=""
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_pid "$COURIER_PID" 20
    stop_rabbitmq
    if [ "$status" != 0 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM



PERFTEST="$ROOT/bench/Courier.PerfTest/bin/Release/net10.0/courier-perftest.dll"
log "building Courier.Server and Courier.PerfTest (Release)"
dotnet build "$ROOT/src/Courier.Server" -c Release -nologo -v q > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; exit 1; }
dotnet build "$ROOT/bench/Courier.PerfTest" -c Release -nologo -v q >> "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; exit 1; }
[ -f "$PERFTEST" ] || PERFTEST=$(ls "$ROOT"/bench/Courier.PerfTest/bin/Release/net10.0/*.dll | grep -i perftest | head -1)

run_load() { # name amqp-port http-port broker-pid [extra perftest options]
    log "$1: $QUEUES queues, $CONNECTIONS connections, $CALLS calls per request"
    dotnet "$PERFTEST" mgmt-scale --port "$2" --http-port "$3" --broker-pid "$4" --queues "$QUEUES" --connections "$CONNECTIONS" --calls "$CALLS" "${@:5}" | tee "$WORK/$1.out" >&2
    grep '^SUMMARY ' "$WORK/$1.out" | sed 's/^SUMMARY //' > "$WORK/$1.json"
}

run_courier() {
    local amqp http
    amqp=$(free_port)
    http=$(free_port)
    mkdir -p "$WORK/courier"
    (cd "$WORK/courier" && exec dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" \
        --amqp-address 127.0.0.1 --amqp-port "$amqp" --http-address 127.0.0.1 --http-port "$http" \
        --mqtt-address 127.0.0.1 --mqtt-port 0 --mqtt-ws-address 127.0.0.1 --mqtt-ws-port 0 \
        --stomp-address 127.0.0.1 --stomp-port 0 --stomp-ws-address 127.0.0.1 --stomp-ws-port 0 \
        --prometheus-address 127.0.0.1 --prometheus-port 0 --data-dir "$WORK/courier/data") >> "$WORK/courier.log" 2>&1 &
    COURIER_PID=$!
    wait_port "$http" 60 "$COURIER_PID" || { tail -20 "$WORK/courier.log" >&2; echo "Courier did not start" >&2; exit 1; }
    run_load courier "$amqp" "$http" "$COURIER_PID"
    echo "courier_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$COURIER_PID/status")" >> "$WORK/courier.out"
    stop_pid "$COURIER_PID" 20
    COURIER_PID=""
}

run_rabbitmq() {
    command -v /usr/lib/rabbitmq/bin/rabbitmq-server > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server > "$WORK/apt.log" 2>&1; }
    local dir="$WORK/rabbitmq" amqp http dist epmd_port
    mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
    amqp=$(free_port) http=$(free_port) dist=$(free_port) epmd_port=$(free_port)
    echo '[rabbitmq_management].' > "$dir/enabled_plugins"
    printf 'management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\nloopback_users.guest = true\n' "$http" > "$dir/rabbitmq.conf"
    epmd -address 127.0.0.1 -port "$epmd_port" > "$dir/log/epmd.log" 2>&1 &
    EPMD_PID=$!
    env HOME="$dir/home" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port" \
        RABBITMQ_NODENAME="ctl-mgmt-scale@localhost" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp" RABBITMQ_DIST_PORT="$dist" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
        /usr/lib/rabbitmq/bin/rabbitmq-server >> "$WORK/rabbitmq.log" 2>&1 < /dev/null &
    RABBIT_SCRIPT_PID=$!
    wait_port "$http" 180 "$RABBIT_SCRIPT_PID" || { tail -30 "$WORK/rabbitmq.log" >&2; echo "RabbitMQ did not start" >&2; exit 1; }
    wait_port "$amqp" 60 "$RABBIT_SCRIPT_PID" || { echo "RabbitMQ's AMQP listener did not open" >&2; exit 1; }
    RABBIT_PID=$(cat "$dir/rabbitmq.pid")
    # Declared over AMQP, RabbitMQ took 15 minutes for 31,000 queues on a loaded machine; a
    # definitions file (what an operator restoring a large installation uses) is imported instead.
    python3 - "$QUEUES" > "$dir/definitions.json" <<'PY'
import json, sys
queues = [{"name": f"mgmt-{i:06d}", "vhost": "/", "durable": False, "auto_delete": False, "arguments": {}} for i in range(int(sys.argv[1]))]
json.dump({"vhosts": [{"name": "/"}], "queues": queues}, sys.stdout)
PY
    local started=$SECONDS
    env HOME="$dir/home" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port" \
        /usr/lib/rabbitmq/bin/rabbitmqctl -n ctl-mgmt-scale@localhost --timeout 3600 import_definitions "$dir/definitions.json" >&2
    echo "declared $QUEUES queues by rabbitmqctl import_definitions, which returned after $((SECONDS - started)) s (the import goes on asynchronously: see overview counts)" >> "$WORK/rabbitmq.import"
    log "rabbitmq: import_definitions returned after $((SECONDS - started)) s"
    run_load rabbitmq "$amqp" "$http" "$RABBIT_PID" --predeclared 1
    cat "$WORK/rabbitmq.import" >> "$WORK/rabbitmq.out"
    echo "rabbitmq_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$RABBIT_PID/status")" >> "$WORK/rabbitmq.out"
    stop_rabbitmq
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$ONLY" = rabbitmq ] || run_courier
[ "$ONLY" = courier ] || run_rabbitmq
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

TABLE=$(python3 - "$WORK" "$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?')" <<'PY'
import json, os, sys
work, version = sys.argv[1], sys.argv[2]
def load(name):
    path = os.path.join(work, name + ".json")
    return json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else None
c, r = load("courier"), load("rabbitmq")
any_ = c or r
rows = ["queues_page", "ui_queues_page", "queues_sorted_by_messages", "queues_filtered_by_name", "overview", "one_queue"]
print(f"{any_['queues']} queues, {any_['connections']} connections, {any_['calls']} calls each (RabbitMQ {version})\n")
print("| request | Courier median / p99 ms (calls) | Courier CPU ms/call | RabbitMQ median / p99 ms (calls) | RabbitMQ CPU ms/call | RabbitMQ / Courier (median) |")
print("|---|---|---|---|---|---|")
for row in rows:
    has = lambda d: d is not None and row in d
    cell = lambda d: f"{d[row]['median_ms']:.1f} / {d[row]['p99_ms']:.1f} ({d[row]['calls']})" if has(d) else "n/a"
    cpu = lambda d: f"{d[row]['cpu_ms']:.1f}" if has(d) and 'cpu_ms' in d[row] else "n/a"
    ratio = f"{r[row]['median_ms'] / c[row]['median_ms']:.1f}x" if has(c) and has(r) and c[row]['median_ms'] > 0 else "n/a"
    print(f"| {row} | {cell(c)} | {cpu(c)} | {cell(r)} | {cpu(r)} | {ratio} |")
PY
)
echo "$TABLE"
grep -h '_rss_kb=\|^declared\|^overview counts' "$WORK"/*.out || true
[ -z "$OUT" ] || echo "$TABLE" > "$OUT"
