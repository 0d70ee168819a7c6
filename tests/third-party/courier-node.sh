# Sourced by the third-party suite runners: starts a Courier node (Release build unless
# COURIER_SKIP_BUILD=1) on 127.0.0.1:$COURIER_AMQP_PORT (default 5672, which the AMQP suites
# assume), MQTT on 127.0.0.1:$COURIER_MQTT_PORT (default 0: a free port; the MQTT suite sets 1883),
# MQTT over WebSockets on 127.0.0.1:$COURIER_MQTT_WS_PORT (default 0: a free port), STOMP and STOMP
# over WebSockets on $COURIER_STOMP_PORT and $COURIER_STOMP_WS_PORT (default 0: free ports),
# with a fresh data directory, waits until it accepts connections, and stops it on exit.
# COURIER_NODE_ARGS (a bash array, set before sourcing) adds to the node's command line.
# Sets ROOT, PORT, MQTT_PORT, MQTT_WS_PORT, WORK and BROKER_PID.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PORT=${COURIER_AMQP_PORT:-5672}
MQTT_PORT=${COURIER_MQTT_PORT:-0}
MQTT_WS_PORT=${COURIER_MQTT_WS_PORT:-0}
for port in "$PORT" "$MQTT_PORT" "$MQTT_WS_PORT"; do
    if [ "$port" != 0 ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "something already listens on 127.0.0.1:$port; stop it first" >&2
        exit 2
    fi
done

if [ "${COURIER_SKIP_BUILD:-0}" != 1 ]; then
    dotnet build -c Release "$ROOT/src/Courier.Server" -nologo -v q >/dev/null
fi

WORK=$(mktemp -d)
BROKER_PID=""
courier_node_cleanup() {
    if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap courier_node_cleanup EXIT

(cd "$WORK" && exec dotnet "$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll" --amqp-address 127.0.0.1 --amqp-port "$PORT" \
    --mqtt-address 127.0.0.1 --mqtt-port "$MQTT_PORT" \
    --mqtt-ws-address 127.0.0.1 --mqtt-ws-port "$MQTT_WS_PORT" \
    --stomp-address 127.0.0.1 --stomp-port "${COURIER_STOMP_PORT:-0}" --stomp-ws-address 127.0.0.1 --stomp-ws-port "${COURIER_STOMP_WS_PORT:-0}" \
    --http-address 127.0.0.1 --http-port 0 --prometheus-address 127.0.0.1 --prometheus-port 0 \
    --data-dir "$WORK/data" ${COURIER_NODE_ARGS[@]+"${COURIER_NODE_ARGS[@]}"}) >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 "$BROKER_PID" 2>/dev/null || { cat "$WORK/broker.log" >&2; exit 1; }
    sleep 0.2
done
