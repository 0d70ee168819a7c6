#!/usr/bin/env bash
# Runs the same scenarios against Courier and a peer broker on this machine (loopback only) and
# writes a table of medians into docs/benchmarks.md, between the compare:begin/end markers.
#
#   bench/compare.sh              three A/B pairs per scenario, 12 s each (about 20-30 minutes)
#   bench/compare.sh --quick      one pair, 3 s each, small counts: a smoke run of every code path
#   bench/compare.sh --baseline REV   Courier built from REV is the peer instead of RabbitMQ (a
#                                 before/after run of two Courier builds in the same run; AMQP scenarios
#                                 only; written between the compare-baseline markers)
#   bench/compare.sh --statistics-off  the peer is this same build with its management API and
#                                 Prometheus listeners off (--http-enabled false --prometheus-enabled
#                                 false): the cost of collecting statistics, AMQP and MQTT rows, written
#                                 like a baseline run (use --out elsewhere, as for any partial run)
#   bench/compare.sh --socket-inline-off  the same, the peer being this build with
#                                 --socket-inline-completions false (socket completions on the thread
#                                 pool, the runtime's default): what inline completions change
#
# Options: --pairs N, --duration S, --out FILE (default docs/benchmarks.md), --keep (keep the work
# directory with every run's log). Environment: COMPARE_BACKLOG_MESSAGES (default 1000000, quick
# 50000), COMPARE_IDLE_CONNECTIONS (default 2000, quick 200), COMPARE_MQTT_FANOUT_RATE (publishes/s
# for the MQTT 1->100 scenarios, default 1000), COMPARE_MQTT_IDLE_CONNECTIONS (default: the open-file
# limit less 1000, quick 200), COMPARE_AMQP_CLIENT (the load generator's AMQP
# client for producers and consumers: lean, the default, or rabbitmq for RabbitMQ.Client 7.x),
# COMPARE_MQTT_CLIENT (the same for MQTT: lean, the default, or mqttnet),
# COMPARE_SCENARIOS / COMPARE_MQTT_SCENARIOS / COMPARE_STOMP_SCENARIOS (a
# space-separated subset of the scenario names below, empty for none; write such a partial run with --out elsewhere).
# ttl_dlx (TTL expiry and dead-lettering under load) is not in the default list: run it with
# COMPARE_SCENARIOS=ttl_dlx COMPARE_MQTT_SCENARIOS= bench/compare.sh --out /tmp/ttl.md.
#
# The peer for AMQP is Debian's rabbitmq-server, for MQTT Debian's mosquitto, for STOMP both
# RabbitMQ's STOMP plugin and Debian's activemq (5.17); all are installed with apt-get when absent.
# The STOMP rows need a Courier build with a STOMP listener (--stomp-port); without one the script
# says so and runs them against the two peers only. Every broker runs as a child of this script on
# free loopback ports with its own data under a temporary directory, and is stopped by pid when the
# script exits.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
QUICK=0
PAIRS=3
DURATION=12
OUT="$ROOT/docs/benchmarks.md"
KEEP=0
BASELINE=""
STATS_OFF=0
# The flags of a same-build peer (--statistics-off, --socket-inline-off), and what to call it.
SAME_BUILD_FLAGS=()
SAME_BUILD_NAME=""
# Flags of the next launch_courier only (the same-build peer's).
LAUNCH_FLAGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --pairs) PAIRS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=1 ;;
        --baseline) BASELINE=$2; shift ;;
        --statistics-off) STATS_OFF=1; BASELINE=statistics-off
            SAME_BUILD_FLAGS=(--http-enabled false --prometheus-enabled false); SAME_BUILD_NAME="statistics off" ;;
        --socket-inline-off) STATS_OFF=1; BASELINE=socket-inline-off
            SAME_BUILD_FLAGS=(--socket-inline-completions false); SAME_BUILD_NAME="socket completions on the thread pool" ;;
        -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    PAIRS=1
    DURATION=3
    BACKLOG=${COMPARE_BACKLOG_MESSAGES:-50000}
    IDLE=${COMPARE_IDLE_CONNECTIONS:-200}
else
    BACKLOG=${COMPARE_BACKLOG_MESSAGES:-1000000}
    IDLE=${COMPARE_IDLE_CONNECTIONS:-2000}
fi
MQTT_FANOUT_RATE=${COMPARE_MQTT_FANOUT_RATE:-1000}
# Idle MQTT connections: as many as the open-file limit lets one process hold (both the broker
# and the load generator hold one descriptor per connection), less some for the rest.
ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
if [ "$QUICK" = 1 ]; then
    MQTT_IDLE=${COMPARE_MQTT_IDLE_CONNECTIONS:-200}
else
    MQTT_IDLE=${COMPARE_MQTT_IDLE_CONNECTIONS:-$(( $(ulimit -n) - 1000 ))}
fi
# The lean client costs the generator a fraction of a core where RabbitMQ.Client needed all of one
# on this 2-core machine (docs/benchmarks.md, "The load generator").
AMQP_CLIENT=${COMPARE_AMQP_CLIENT:-lean}
# The same for MQTT: lean, the default, or mqttnet (MQTTnet 5, whose subscriber falls behind above
# a few thousand QoS 1 messages a second here).
MQTT_CLIENT=${COMPARE_MQTT_CLIENT:-lean}
# Read here, before ensure_packages, which installs ActiveMQ only for a run with STOMP rows.
STOMP_SCENARIOS=${COMPARE_STOMP_SCENARIOS-stomp_receipts stomp_autoack stomp_fanout}
# Set while the MQTT scenarios run: "courier" is then reached over MQTT (target below).
MQTT_MODE=0
# The same for STOMP: "courier" and "rabbitmq" are then reached over STOMP.
STOMP_MODE=0
# Every perftest run is bounded: its own --max-run, and timeout(1) a little beyond that.
MAX_RUN=$((DURATION * 4 + 240))
# The latency scenarios (a fixed 1,000 msg/s) publish this much longer and leave these first seconds
# out of their percentiles, for every broker alike: the JIT compilation of a freshly started Courier
# and of the load generator itself. The per-second lines in each run's log still show them.
LATENCY_WARMUP=2

WORK=$(mktemp -d /tmp/courier-compare.XXXXXX)
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
mkdir -p "$WORK/runs"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

# ---- processes this script started, stopped by pid on exit ----------------------------------

COURIER_PID=""
BASELINE_PID=""
BASELINE_DIR=""
RABBIT_SCRIPT_PID=""
RABBIT_PID=""
EPMD_PID=""
MOSQUITTO_PID=""
ACTIVEMQ_PID=""


cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_courier
    stop_baseline
    stop_rabbitmq
    stop_pid "$MOSQUITTO_PID" 10
    stop_pid "$ACTIVEMQ_PID" 30
    if [ -n "$BASELINE_DIR" ]; then
        git -C "$ROOT" worktree remove --force "$BASELINE_DIR" 2>/dev/null || true
    fi
    MOSQUITTO_PID=""
    if [ "$KEEP" = 1 ] || [ "$status" != 0 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM



# ---- Courier -----------------------------------------------------------------------------------

# launch_courier DLL NAME: starts one Courier build on a free loopback port with its own data
# directory; sets LAUNCHED_PID, LAUNCHED_PORT and LAUNCHED_MQTT_PORT (its MQTT listener, also free,
# so it never collides with Mosquitto or anything else on 1883), and LAUNCHED_STOMP_PORT (its STOMP
# listener, free too, or empty for a build without STOMP).
launch_courier() {
    local dll=$1 name=$2 ws_flags=()
    LAUNCHED_PORT=$(free_port)
    LAUNCHED_MQTT_PORT=$(free_port)
    LAUNCHED_STOMP_PORT=""
    # Its MQTT-over-WebSockets listener on a free port too, if the build has one (a baseline from
    # before it would refuse the flags).
    if [ -d "$(dirname "$dll")/../../../WebSockets" ]; then
        ws_flags=(--mqtt-ws-address 127.0.0.1 --mqtt-ws-port 0 --http-address 127.0.0.1 --http-port 0 --prometheus-address 127.0.0.1 --prometheus-port 0)
    fi
    # Its STOMP listeners likewise, if the build has them (its --help lists the flag): otherwise
    # they would take 0.0.0.0:61613 and :15674. A build older than --help starts a node instead of
    # answering, so it gets a few seconds (no STOMP flag then) rather than the run hanging on it.
    if timeout -s KILL 20 dotnet "$dll" --help 2> /dev/null | grep -q -- '--stomp-port'; then
        LAUNCHED_STOMP_PORT=$(free_port)
        ws_flags+=(--stomp-address 127.0.0.1 --stomp-port "$LAUNCHED_STOMP_PORT" --stomp-ws-address 127.0.0.1 --stomp-ws-port 0)
    fi
    rm -rf "$WORK/$name"
    mkdir -p "$WORK/$name"
    # Started from its own directory so no courier.json of the caller's is picked up.
    (cd "$WORK/$name" && exec dotnet "$dll" \
        --amqp-address 127.0.0.1 --amqp-port "$LAUNCHED_PORT" \
        --mqtt-address 127.0.0.1 --mqtt-port "$LAUNCHED_MQTT_PORT" \
        "${ws_flags[@]}" "${LAUNCH_FLAGS[@]}" --data-dir "$WORK/$name/data") \
        >> "$WORK/$name.log" 2>&1 &
    LAUNCHED_PID=$!
    if ! wait_port "$LAUNCHED_PORT" 60 "$LAUNCHED_PID"; then
        tail -20 "$WORK/$name.log" >&2
        echo "$name did not start" >&2
        exit 1
    fi
}

start_courier() {
    launch_courier "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" courier
    COURIER_PID=$LAUNCHED_PID
    COURIER_PORT=$LAUNCHED_PORT
    COURIER_MQTT_PORT=$LAUNCHED_MQTT_PORT
    COURIER_STOMP_PORT=$LAUNCHED_STOMP_PORT
}

stop_courier() {
    stop_pid "$COURIER_PID" 20
    COURIER_PID=""
}

# The baseline: the same broker built from another commit (--baseline REV), the peer of a
# before/after run.
start_baseline() {
    if [ "$STATS_OFF" = 1 ]; then
        LAUNCH_FLAGS=("${SAME_BUILD_FLAGS[@]}")
        launch_courier "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" baseline
        LAUNCH_FLAGS=()
    else
        launch_courier "$BASELINE_DIR/src/Courier.Server/bin/Release/net10.0/courier.dll" baseline
    fi
    BASELINE_PID=$LAUNCHED_PID
    BASELINE_PORT=$LAUNCHED_PORT
    BASELINE_MQTT_PORT=$LAUNCHED_MQTT_PORT
}

stop_baseline() {
    stop_pid "$BASELINE_PID" 20
    BASELINE_PID=""
}

# ---- RabbitMQ ----------------------------------------------------------------------------------

ensure_packages() {
    local missing=()
    if [ -z "$BASELINE" ]; then
        command -v /usr/lib/rabbitmq/bin/rabbitmq-server > /dev/null || missing+=(rabbitmq-server)
        command -v mosquitto > /dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
    fi
    if [ -z "$BASELINE" ] && [ -n "${STOMP_SCENARIOS// /}" ]; then
        [ -f /usr/share/activemq/bin/activemq.jar ] || missing+=(activemq)
    fi
    command -v fio > /dev/null || missing+=(fio)
    command -v perf > /dev/null || missing+=(linux-perf)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > "$WORK/apt.log" 2>&1
    fi
}

start_rabbitmq() {
    local dir="$WORK/rabbitmq"
    rm -rf "$dir"
    mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
    echo '[].' > "$dir/enabled_plugins"
    RABBIT_PORT=$(free_port)
    RABBIT_STOMP_PORT=""
    if [ -n "${STOMP_SCENARIOS// /}" ]; then
        # The STOMP plugin only for a run with STOMP rows, so the AMQP rows stay comparable with
        # earlier runs; its listener on loopback and a free port.
        RABBIT_STOMP_PORT=$(free_port)
        echo '[rabbitmq_stomp].' > "$dir/enabled_plugins"
        echo "stomp.listeners.tcp.1 = 127.0.0.1:$RABBIT_STOMP_PORT" > "$dir/rabbitmq.conf"
    fi
    local dist_port epmd_port
    dist_port=$(free_port)
    epmd_port=$(free_port)
    # Our own epmd on loopback and a port of its own, so no other Erlang node on the machine is touched.
    epmd -address 127.0.0.1 -port "$epmd_port" > "$dir/log/epmd.log" 2>&1 &
    EPMD_PID=$!
    # HOME holds the Erlang cookie; the node, distribution and AMQP listeners are all on loopback.
    env HOME="$dir/home" \
        ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port" \
        RABBITMQ_NODENAME="courier-compare@localhost" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RABBIT_PORT" \
        RABBITMQ_DIST_PORT="$dist_port" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
        RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
        /usr/lib/rabbitmq/bin/rabbitmq-server >> "$WORK/rabbitmq.log" 2>&1 < /dev/null &
    RABBIT_SCRIPT_PID=$!
    if ! wait_port "$RABBIT_PORT" 180 "$RABBIT_SCRIPT_PID"; then
        tail -30 "$WORK/rabbitmq.log" >&2
        echo "RabbitMQ did not start" >&2
        exit 1
    fi
    RABBIT_PID=$(cat "$dir/rabbitmq.pid")
    if [ -n "$RABBIT_STOMP_PORT" ] && ! wait_port "$RABBIT_STOMP_PORT" 60 "$RABBIT_SCRIPT_PID"; then
        tail -30 "$WORK/rabbitmq.log" >&2
        echo "RabbitMQ's STOMP plugin did not start" >&2
        exit 1
    fi
}

stop_rabbitmq() {
    # The start script forwards TERM to the Erlang VM and waits for it.
    stop_pid "$RABBIT_SCRIPT_PID" 30
    stop_pid "$RABBIT_PID" 5
    stop_pid "$EPMD_PID" 5
    RABBIT_SCRIPT_PID=""
    RABBIT_PID=""
    EPMD_PID=""
}

# ---- Mosquitto ---------------------------------------------------------------------------------

start_mosquitto() {
    MQTT_PORT=$(free_port)
    # max_queued_messages is raised from 1000 so a subscriber that falls behind for a moment
    # is not counted as loss: the scenarios measure throughput, not the drop policy. Without
    # set_tcp_nodelay, Nagle's algorithm meets the subscriber's delayed ACKs and QoS 1 delivery
    # crawls at about a hundred messages a second.
    cat > "$WORK/mosquitto.conf" <<EOF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
    mosquitto -c "$WORK/mosquitto.conf" >> "$WORK/mosquitto.log" 2>&1 &
    MOSQUITTO_PID=$!
    if ! wait_port "$MQTT_PORT" 30 "$MOSQUITTO_PID"; then
        tail -20 "$WORK/mosquitto.log" >&2
        echo "Mosquitto did not start" >&2
        exit 1
    fi
}

# ---- ActiveMQ ----------------------------------------------------------------------------------

# Debian's ActiveMQ 5.17, run in the foreground by java from a private instance directory: its
# packaged activemq.xml (KahaDB, JMX off) with the one connector replaced by STOMP on a free
# loopback port, and the heap the package's init script gives it (512 MiB).
start_activemq() {
    local dir="$WORK/activemq"
    rm -rf "$dir"
    mkdir -p "$dir/conf" "$dir/data"
    ACTIVEMQ_PORT=$(free_port)
    sed -e "s#<transportConnector name=\"openwire\" uri=\"[^\"]*\"/>#<transportConnector name=\"stomp\" uri=\"stomp://127.0.0.1:$ACTIVEMQ_PORT\"/>#" \
        /etc/activemq/instances-available/main/activemq.xml > "$dir/conf/activemq.xml"
    grep -q "stomp://127.0.0.1:$ACTIVEMQ_PORT" "$dir/conf/activemq.xml" || { echo "could not set ActiveMQ's STOMP connector" >&2; exit 1; }
    cp /etc/activemq/instances-available/main/log4j2.properties "$dir/conf/"
    (cd "$dir" && exec java -Xms512M -Xmx512M -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$dir" -Dactivemq.conf="$dir/conf" \
        -Dactivemq.data="$dir/data" -Dlog4j2.configurationFile="$dir/conf/log4j2.properties" \
        -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$dir/conf/activemq.xml") >> "$WORK/activemq.log" 2>&1 < /dev/null &
    ACTIVEMQ_PID=$!
    if ! wait_port "$ACTIVEMQ_PORT" 120 "$ACTIVEMQ_PID"; then
        tail -30 "$WORK/activemq.log" >&2
        echo "ActiveMQ did not start" >&2
        exit 1
    fi
}

# ---- running the load generator ----------------------------------------------------------------

PERFTEST="$ROOT/bench/Courier.PerfTest/bin/Release/net10.0/courier-perftest.dll"

target() { # broker -> perftest arguments
    case "$1" in
        courier)
            if [ "$STOMP_MODE" = 1 ]; then
                echo "--stomp 127.0.0.1:$COURIER_STOMP_PORT --broker-pid $COURIER_PID"
            elif [ "$MQTT_MODE" = 1 ]; then
                echo "--client $MQTT_CLIENT --mqtt 127.0.0.1:$COURIER_MQTT_PORT --broker-pid $COURIER_PID"
            else
                echo "--client $AMQP_CLIENT --uri amqp://guest:guest@127.0.0.1:$COURIER_PORT --broker-pid $COURIER_PID"
            fi
            ;;
        baseline)
            if [ "$MQTT_MODE" = 1 ]; then
                echo "--client $MQTT_CLIENT --mqtt 127.0.0.1:$BASELINE_MQTT_PORT --broker-pid $BASELINE_PID"
            else
                echo "--client $AMQP_CLIENT --uri amqp://guest:guest@127.0.0.1:$BASELINE_PORT --broker-pid $BASELINE_PID"
            fi
            ;;
        rabbitmq)
            if [ "$STOMP_MODE" = 1 ]; then
                echo "--stomp 127.0.0.1:$RABBIT_STOMP_PORT --broker-pid $RABBIT_PID"
            else
                echo "--client $AMQP_CLIENT --uri amqp://guest:guest@127.0.0.1:$RABBIT_PORT --broker-pid $RABBIT_PID"
            fi
            ;;
        mosquitto) echo "--client $MQTT_CLIENT --mqtt 127.0.0.1:$MQTT_PORT --broker-pid $MOSQUITTO_PID" ;;
        # ActiveMQ takes any login (its packaged configuration has no authentication).
        activemq) echo "--stomp 127.0.0.1:$ACTIVEMQ_PORT --broker-pid $ACTIVEMQ_PID" ;;
    esac
}

broker_pid() {
    case "$1" in
        courier) echo "$COURIER_PID" ;;
        baseline) echo "$BASELINE_PID" ;;
        rabbitmq) echo "$RABBIT_PID" ;;
        mosquitto) echo "$MOSQUITTO_PID" ;;
        activemq) echo "$ACTIVEMQ_PID" ;;
    esac
}

# With COUNT_FSYNCS=1 in its environment, a duration-bound run also counts the broker's fsync and
# fdatasync calls (perf's syscall tracepoints, in the middle of the run, skipping 2 s at each
# end), so the table can show how many messages each sync carried. Best effort: without perf,
# or where it may not trace, the rows stay empty.
perftest() { # scenario broker run perftest-args...
    local scenario=$1 broker=$2 run=$3
    shift 3
    local out="$WORK/runs/$scenario-$broker-$run.log" status=0 perf_pid="" window=$((DURATION - 4))
    if [ "${COUNT_FSYNCS:-0}" = 1 ] && [ "$window" -gt 0 ] && command -v perf > /dev/null; then
        (sleep 2; exec perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p "$(broker_pid "$broker")" -- sleep "$window") \
            2> "$out.fsyncs" &
        perf_pid=$!
    fi
    # shellcheck disable=SC2046 # target() is split into words on purpose
    timeout --kill-after=10 $((MAX_RUN + 30)) dotnet "$PERFTEST" $(target "$broker") "$@" \
        --max-run "$MAX_RUN" --label "$scenario/$broker/$run" > "$out" 2>&1 || status=$?
    local summary
    # A run killed by its timeout prints no summary: grep fails, which must not end the script.
    summary=$(grep '^SUMMARY ' "$out" | tail -1 | cut -c9- || true)
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        local fsyncs
        fsyncs=$(awk -F, '$3 ~ /sys_enter_f(data)?sync/ && $1 ~ /^[0-9]+$/ { n += $1; seen = 1 } END { if (seen) print n }' "$out.fsyncs")
        if [ -n "$fsyncs" ] && [ -n "$summary" ]; then
            summary=$(echo "$summary" | jq -c --argjson f "$fsyncs" --argjson s "$window" '. + {fsyncs_per_s: ($f / $s)}')
        fi
    fi
    if [ -z "$summary" ]; then
        log "  $scenario $broker #$run: no summary (exit $status), see $out"
        FAILURES=$((FAILURES + 1))
        return 0
    fi
    echo "$summary" | jq -c --arg s "$scenario" --arg b "$broker" --argjson r "$run" '. + {scenario: $s, broker: $b, run: $r}' >> "$RESULTS"
    echo "$summary" | jq -r --arg s "$scenario" --arg b "$broker" --arg r "$run" \
        '"  \($s) \($b) #\($r): sent \(.sent_msgs_per_s)/s received \(.received_msgs_per_s)/s p50 \(.latency_p50_us)us p99 \(.latency_p99_us)us lost \(.lost) dup \(.duplicated) rss/conn \(.idle_rss_per_connection_kb // "-") KiB, perftest cpu \(.tool_cpu_pct)%" + (if (.errors | length) > 0 then " ERRORS: \(.errors | join("; "))" else "" end)' \
        | while IFS= read -r line; do log "$line"; done
    if [ "$status" != 0 ]; then
        FAILURES=$((FAILURES + 1))
    fi
}

# Each scenario takes (broker, run); queue names carry the run so nothing is shared between runs.

scenario_durable_confirm() {
    COUNT_FSYNCS=1 perftest durable-confirm "$1" "$2" -x 1 -y 1 --durable --persistent -s 256 -c 1000 --prefetch 1000 \
        --multi-ack-every 100 -z "$DURATION" --queue-pattern "cmp-durable-$2-%d"
}

scenario_durable_confirm_fixed_rate() {
    # The issue's latency target: p99 at a steady 1,000 msg/s, where nothing queues up.
    perftest durable-confirm-1000 "$1" "$2" -x 1 -y 1 --durable --persistent -s 256 -c 1000 --prefetch 1000 \
        --multi-ack-every 1 -r 1000 -z $((DURATION + LATENCY_WARMUP)) --warmup "$LATENCY_WARMUP" --queue-pattern "cmp-durable-rate-$2-%d"
}

scenario_transient_autoack() {
    perftest transient-autoack "$1" "$2" -x 1 -y 1 -s 256 -a -z "$DURATION" --queue-pattern "cmp-transient-$2-%d"
}

scenario_fanout() {
    perftest fanout-10 "$1" "$2" -x 1 -y 10 -q 10 --fanout --exchange "cmp-fanout-$2" -s 256 --prefetch 1000 \
        --multi-ack-every 100 -z "$DURATION" --queue-pattern "cmp-fanout-$2-%d"
}

scenario_many_queues() {
    COUNT_FSYNCS=1 perftest queues-50x50 "$1" "$2" -x 50 -y 50 -q 50 --durable --persistent -s 256 -c 1000 --prefetch 1000 \
        --multi-ack-every 100 -z "$DURATION" --queue-pattern "cmp-q50-$2-%d"
}

scenario_idle_connections() {
    # A freshly started broker, so memory freed by earlier scenarios does not absorb the connections.
    case "$1" in
        courier) stop_courier; start_courier ;;
        baseline) stop_baseline; start_baseline ;;
        *) stop_rabbitmq; start_rabbitmq ;;
    esac
    perftest idle-connections "$1" "$2" -x 0 -y 0 --idle-connections "$IDLE"
}

scenario_backlog() {
    perftest backlog-publish "$1" "$2" --publish-only -x 1 --durable --persistent -s 256 -c 1000 \
        -C "$BACKLOG" --queue-pattern "cmp-backlog-$2-%d"
    perftest backlog-drain "$1" "$2" --consume-only -y 1 --durable --prefetch 1000 --multi-ack-every 100 \
        --expect "$BACKLOG" --queue-pattern "cmp-backlog-$2-%d"
}

scenario_ttl_dlx() {
    # Nobody consumes the queue published to: with x-message-ttl=0 each message expires on arrival
    # and is dead-lettered through the default exchange into a second durable queue, which the
    # consumer drains; what it receives went through expiry and dead-lettering.
    COUNT_FSYNCS=1 perftest ttl-dlx "$1" "$2" -x 1 -y 1 --durable --persistent -s 256 -c 1000 --prefetch 1000 \
        --multi-ack-every 100 -z "$DURATION" --queue-pattern "cmp-ttl-$2-%d" \
        --queue-args x-message-ttl=0 --dead-letter-queue "cmp-ttl-$2-expired"
}

scenario_mqtt_qos0() {
    perftest mqtt-qos0-1to1 "$1" "$2" --qos 0 -x 1 -y 1 -s 256 -z "$DURATION" --queue-pattern "cmp/qos0/$2/%d"
}

scenario_mqtt_qos1() {
    perftest mqtt-qos1-1to1 "$1" "$2" --qos 1 -c 100 -x 1 -y 1 -s 256 -z "$DURATION" --queue-pattern "cmp/qos1/$2/%d"
}

scenario_mqtt_qos1_fixed_rate() {
    # The issue's latency target: p99 at a steady 1,000 QoS 1 msg/s, where nothing queues up.
    perftest mqtt-qos1-rate1000 "$1" "$2" --qos 1 -c 100 -x 1 -y 1 -s 256 -r 1000 -z $((DURATION + LATENCY_WARMUP)) --warmup "$LATENCY_WARMUP" \
        --queue-pattern "cmp/qos1rate/$2/%d"
}

scenario_mqtt_idle() {
    # Freshly started brokers, as for AMQP's idle connections. MQTT 3.1.1 clean sessions with no
    # keep-alive, opened by the lean client (a socket each); the count is bounded by this machine's
    # open-file limit (ulimit -Hn), which no process here can raise.
    case "$1" in
        courier) stop_courier; start_courier ;;
        *) stop_pid "$MOSQUITTO_PID" 10; start_mosquitto ;;
    esac
    perftest mqtt-idle "$1" "$2" -x 0 -y 0 --idle-connections "$MQTT_IDLE"
}

# QoS 1 to a persistent-session subscriber (clean session 0): durable subscription queue on Courier.
scenario_mqtt_qos1_persistent() {
    perftest mqtt-qos1-1to1-persistent "$1" "$2" --qos 1 -c 100 -x 1 -y 1 -s 256 -z "$DURATION" --mqtt-persistent-session \
        --queue-pattern "cmp/qos1p/$2/%d"
}

scenario_mqtt_qos0_fanout() {
    perftest mqtt-qos0-1to100 "$1" "$2" --qos 0 -x 1 -y 100 --fanout --exchange "cmp/fan0/$2" -s 256 \
        -r "$MQTT_FANOUT_RATE" -z "$DURATION"
}

scenario_mqtt_qos1_fanout() {
    perftest mqtt-qos1-1to100 "$1" "$2" --qos 1 -c 100 -x 1 -y 100 --fanout --exchange "cmp/fan1/$2" -s 256 \
        -r "$MQTT_FANOUT_RATE" -z "$DURATION"
}

# STOMP 1.2 through the lean client: /queue/ destinations are durable queues on all three brokers.
# With receipts: persistent SENDs, each holding a slot of a 1,000-receipt window until its RECEIPT
# (after the message is on disk, like a publisher confirm); the subscriber acks cumulatively
# (ack:client, prefetch-count 1000).
scenario_stomp_receipts() {
    COUNT_FSYNCS=1 perftest stomp-receipts "$1" "$2" -x 1 -y 1 --persistent -s 256 -c 1000 --prefetch 1000 \
        --multi-ack-every 100 -z "$DURATION" --queue-pattern "cmp-stomp-receipts-$2-%d"
}

scenario_stomp_autoack() {
    perftest stomp-autoack "$1" "$2" -x 1 -y 1 -s 256 -a -z "$DURATION" --queue-pattern "cmp-stomp-autoack-$2-%d"
}

scenario_stomp_fanout() {
    perftest stomp-fanout-10 "$1" "$2" -x 1 -y 10 --fanout --exchange "cmp-stomp-fanout-$2" -s 256 --prefetch 1000 \
        --multi-ack-every 100 -z "$DURATION"
}

# ---- the run -----------------------------------------------------------------------------------

FAILURES=0
STARTED_AT=$(date -u +%Y-%m-%dT%H:%MZ)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
ensure_packages

# The disk's own rate, on the disk the brokers write to, at a few batch sizes: appending to a
# file with an fsync after each write, as a journal does, and (the disk's best case) overwriting
# a laid-out file with an fdatasync after each write.
disk_rates() {
    local seconds=$1 file="$WORK/fio.data" parts=()
    for mode in append overwrite; do
        for bs in 4k 64k 256k; do
            local json args=(--fdatasync=1)
            [ "$mode" = append ] && args=(--fsync=1 --file_append=1)
            json=$(fio --name=journal --filename="$file" --rw=write --bs="$bs" --size=512m "${args[@]}" --runtime="$seconds" \
                --time_based --ioengine=sync --output-format=json 2> /dev/null) || { echo "not measured (fio failed)"; rm -f "$file"; return; }
            parts+=("$(echo "$json" | jq -r --arg m "$mode" --arg bs "$bs" '.jobs[0].write | "\($m) \($bs | ascii_upcase)B \(.iops | round)/s (\(.bw_bytes / 1e6 | round) MB/s)"')")
            rm -f "$file"
        done
    done
    local IFS=';'
    echo "${parts[*]}" | sed 's/;/; /g'
}
log "measuring the disk with fio"
DISK_RATES=$(command -v fio > /dev/null && disk_rates "$([ "$QUICK" = 1 ] && echo 2 || echo 6)" || echo "not measured (no fio)")
log "disk: $DISK_RATES"

log "building Courier and the load generator (Release)"
dotnet build -c Release "$ROOT/src/Courier.Server" -nologo -v q > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
dotnet build -c Release "$ROOT/bench/Courier.PerfTest" -nologo -v q >> "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }

AMQP_SCENARIOS=${COMPARE_SCENARIOS-durable_confirm durable_confirm_fixed_rate transient_autoack fanout many_queues backlog idle_connections}
MQTT_SCENARIOS=${COMPARE_MQTT_SCENARIOS-mqtt_qos0 mqtt_qos1 mqtt_qos1_persistent mqtt_qos1_fixed_rate mqtt_qos0_fanout mqtt_qos1_fanout mqtt_idle}
if [ "$STATS_OFF" = 1 ]; then
    BASELINE_REV="this build with ${SAME_BUILD_FLAGS[*]}"
    PEER=baseline
    STOMP_SCENARIOS=""
    log "starting Courier twice: as built, and with ${SAME_BUILD_FLAGS[*]}"
    start_courier
    start_baseline
    log "Courier pid $COURIER_PID port $COURIER_PORT; $SAME_BUILD_NAME: pid $BASELINE_PID port $BASELINE_PORT"
elif [ -n "$BASELINE" ]; then
    BASELINE_REV=$(git -C "$ROOT" rev-parse --short "$BASELINE^{commit}")
    BASELINE_DIR="$WORK/baseline-src"
    log "building the baseline, Courier at $BASELINE_REV (Release)"
    git -C "$ROOT" worktree add --detach -q "$BASELINE_DIR" "$BASELINE_REV"
    dotnet build -c Release "$BASELINE_DIR/src/Courier.Server" -nologo -v q >> "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
    PEER=baseline
    MQTT_SCENARIOS=""
    STOMP_SCENARIOS=""
    log "starting Courier and the baseline on loopback"
    start_courier
    start_baseline
    log "Courier pid $COURIER_PID port $COURIER_PORT; baseline pid $BASELINE_PID port $BASELINE_PORT"
else
    PEER=rabbitmq
    log "starting Courier, RabbitMQ and Mosquitto on loopback"
    start_courier
    # RabbitMQ only when an AMQP or STOMP scenario runs (an MQTT-only run needs none).
    if [ -n "${AMQP_SCENARIOS// /}${STOMP_SCENARIOS// /}" ]; then
        start_rabbitmq
    fi
    start_mosquitto
    log "Courier pid $COURIER_PID port $COURIER_PORT; RabbitMQ pid ${RABBIT_PID:-none} port ${RABBIT_PORT:-none}; Mosquitto pid $MOSQUITTO_PID port $MQTT_PORT"
    if [ -n "${STOMP_SCENARIOS// /}" ]; then
        start_activemq
        log "STOMP: Courier port ${COURIER_STOMP_PORT:-none}; RabbitMQ port $RABBIT_STOMP_PORT; ActiveMQ pid $ACTIVEMQ_PID port $ACTIVEMQ_PORT"
    fi
fi

for scenario in $AMQP_SCENARIOS; do
    log "scenario $scenario: $PAIRS pair(s), Courier then $PEER"
    for ((run = 1; run <= PAIRS; run++)); do
        "scenario_$scenario" courier "$run"
        "scenario_$scenario" "$PEER" "$run"
    done
done

# The MQTT scenarios: Courier's MQTT listener and Mosquitto, alternating as above.
MQTT_MODE=1
MQTT_PEER=mosquitto
[ "$STATS_OFF" = 1 ] && MQTT_PEER=baseline
for scenario in $MQTT_SCENARIOS; do
    log "scenario $scenario: $PAIRS pair(s), Courier then $MQTT_PEER"
    for ((run = 1; run <= PAIRS; run++)); do
        "scenario_$scenario" courier "$run"
        "scenario_$scenario" "$MQTT_PEER" "$run"
    done
done
MQTT_MODE=0

# The STOMP scenarios: Courier, RabbitMQ's STOMP plugin and ActiveMQ, in turn.
STOMP_MODE=1
STOMP_BROKERS="courier rabbitmq activemq"
if [ -n "${STOMP_SCENARIOS// /}" ] && [ -z "${COURIER_STOMP_PORT:-}" ]; then
    log "this Courier build has no STOMP listener (courier --help lists no --stomp-port): the STOMP rows run against RabbitMQ and ActiveMQ only"
    STOMP_BROKERS="rabbitmq activemq"
fi
for scenario in $STOMP_SCENARIOS; do
    log "scenario $scenario: $PAIRS round(s) of $STOMP_BROKERS"
    for ((run = 1; run <= PAIRS; run++)); do
        for broker in $STOMP_BROKERS; do
            "scenario_$scenario" "$broker" "$run"
        done
    done
done
STOMP_MODE=0

# ---- the report --------------------------------------------------------------------------------

dpkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo unknown; }
cat > "$WORK/machine.json" <<EOF
{
  "started": "$STARTED_AT",
  "quick": $QUICK,
  "pairs": $PAIRS,
  "duration": $DURATION,
  "backlog": $BACKLOG,
  "idle": $IDLE,
  "mqtt_idle": $MQTT_IDLE,
  "mqtt_fanout_rate": $MQTT_FANOUT_RATE,
  "amqp_client": "$AMQP_CLIENT",
  "mqtt_client": "$MQTT_CLIENT",
  "peer": "$PEER",
  "baseline": "${BASELINE_REV:-}",
  "disk": "$DISK_RATES",
  "nproc": "$(nproc)",
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')",
  "memory": "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)",
  "kernel": "$(uname -sr)",
  "load": "$LOAD_AT_START",
  "dotnet": "$(dotnet --version)",
  "rabbitmq": "$(dpkg_version rabbitmq-server)",
  "erlang": "$(dpkg_version erlang-base)",
  "mosquitto": "$(dpkg_version mosquitto)",
  "activemq": "$(dpkg_version activemq)",
  "java": "$(java -version 2>&1 | head -1 | sed 's/"//g')",
  "courier_stomp": $([ -n "${COURIER_STOMP_PORT:-}" ] && echo true || echo false),
  "courier": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+local changes')"
}
EOF
python3 "$ROOT/bench/compare_report.py" "$RESULTS" "$WORK/machine.json" "$OUT"
log "wrote $OUT ($(wc -l < "$RESULTS") runs, $FAILURES failed)"
if [ "$FAILURES" != 0 ]; then
    KEEP=1
fi
