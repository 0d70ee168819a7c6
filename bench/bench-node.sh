# Sourced by the single-node bench scripts (delayed.sh, retained.sh): builds Courier and the load
# generator (Release, unless COURIER_SKIP_BUILD=1), and gives them a node on free loopback ports
# over a fresh data directory. Sets ROOT, WORK, AMQP_PORT, MQTT_PORT, PERFTEST and BROKER_PID;
# start_broker starts the node and returns once $READY_PORT (default: the AMQP port) accepts
# connections; kill_and_restart_broker kills it (SIGKILL), starts it again on the same directory and
# prints how long that took and its resident memory. The node is stopped when the script exits.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${COURIER_SKIP_BUILD:-0}" != 1 ]; then
    dotnet build -c Release "$ROOT/src/Courier.Server" -nologo -v q >/dev/null
    dotnet build -c Release "$ROOT/bench/Courier.PerfTest" -nologo -v q >/dev/null
fi

PERFTEST="$ROOT/bench/Courier.PerfTest/bin/Release/net10.0/courier-perftest.dll"
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

# At most 10 minutes (a restart over a large journal or retained log takes a while).
start_broker() {
    dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" --amqp-address 127.0.0.1 --amqp-port "$AMQP_PORT" \
        --mqtt-address 127.0.0.1 --mqtt-port "$MQTT_PORT" --mqtt-ws-address 127.0.0.1 --mqtt-ws-port 0 --stomp-address 127.0.0.1 --stomp-port 0 --stomp-ws-address 127.0.0.1 --stomp-ws-port 0 --http-address 127.0.0.1 --http-port 0 --prometheus-address 127.0.0.1 --prometheus-port 0 --data-dir "$WORK/data" >>"$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 1 6000); do
        (exec 3<>"/dev/tcp/127.0.0.1/${READY_PORT:-$AMQP_PORT}") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$(basename "$0"): the node did not start" >&2
    exit 1
}

kill_and_restart_broker() {
    kill -9 "$BROKER_PID"
    wait "$BROKER_PID" 2>/dev/null || true
    local start end
    start=$(date +%s.%N)
    start_broker
    end=$(date +%s.%N)
    echo "restart_seconds $(python3 -c "print(round($end - $start, 3))")"
    echo "rss_after_restart_mib $(( $(awk '/VmRSS/ {print $2}' "/proc/$BROKER_PID/status") / 1024 ))"
}
