#!/usr/bin/env bash
# Runs the pika, paho-mqtt and stomp.py interop tests (RabbitMQ tutorials 1-6, the feature checks in test_*.py
# and the MQTT checks in test_mqtt_*.py) against Courier.
#
#   tests/interop/run.sh                         build Courier, start it on a free
#                                                loopback port, run the tests, stop it
#   COURIER_AMQP_PORT=5672 COURIER_MQTT_PORT=1883 tests/interop/run.sh
#                                                use an already running broker
#
# Env: COURIER_HOST (default 127.0.0.1), COURIER_AMQP_PORT, COURIER_MQTT_PORT (default 1883 with
#      an already running broker), COURIER_MQTT_WS_PORT (default 15675 with one), COURIER_STOMP_PORT
#      (default 61613 with one), COURIER_DLL,
#      COURIER_SKIP_BUILD=1, COURIER_TEST_TIMEOUT (seconds per test file, default 180).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
export COURIER_HOST="${COURIER_HOST:-127.0.0.1}"
TEST_TIMEOUT="${COURIER_TEST_TIMEOUT:-180}"

if ! "$PY" -c 'import pika' 2>/dev/null; then
    echo "run.sh: $PY cannot import pika; install it with: apt-get install -y python3-pika" >&2
    exit 2
fi
if ! "$PY" -c 'import stomp' 2>/dev/null; then
    echo "run.sh: $PY cannot import stomp; install it with: apt-get install -y python3-stomp" >&2
    exit 2
fi
if ! "$PY" -c 'import paho.mqtt.client' 2>/dev/null; then
    echo "run.sh: $PY cannot import paho.mqtt; install it with: apt-get install -y python3-paho-mqtt" >&2
    exit 2
fi

BROKER_PID=""
DATA_DIR=""
BROKER_LOG=""
cleanup() {
    if [[ -n "$BROKER_PID" ]] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill "$BROKER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$BROKER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    if [[ -n "$DATA_DIR" ]]; then
        rm -rf "$DATA_DIR"
    fi
    if [[ -n "$BROKER_LOG" ]]; then
        rm -f "$BROKER_LOG"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${COURIER_AMQP_PORT:-}" ]]; then
    COURIER_MQTT_PORT="${COURIER_MQTT_PORT:-1883}"
    COURIER_MQTT_WS_PORT="${COURIER_MQTT_WS_PORT:-15675}"
    COURIER_STOMP_PORT="${COURIER_STOMP_PORT:-61613}"
    echo "run.sh: using the broker already at $COURIER_HOST:$COURIER_AMQP_PORT (MQTT $COURIER_MQTT_PORT, MQTT over WebSockets $COURIER_MQTT_WS_PORT)"
else
    COURIER_DLL="${COURIER_DLL:-$ROOT/src/Courier.Server/bin/Release/net10.0/courier.dll}"
    if [[ "${COURIER_SKIP_BUILD:-0}" != "1" ]]; then
        (cd "$ROOT" && dotnet build -c Release src/Courier.Server)
    fi
    if [[ ! -f "$COURIER_DLL" ]]; then
        echo "run.sh: broker not found: $COURIER_DLL" >&2
        exit 2
    fi
    COURIER_HOST=127.0.0.1
    COURIER_AMQP_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    export COURIER_AMQP_PORT
    DATA_DIR="$(mktemp -d)"
    BROKER_LOG="$(mktemp)"
    echo "run.sh: starting $COURIER_DLL on 127.0.0.1:$COURIER_AMQP_PORT (data dir $DATA_DIR)"
    COURIER_MQTT_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    COURIER_MQTT_WS_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    COURIER_STOMP_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    export COURIER_MQTT_PORT COURIER_MQTT_WS_PORT COURIER_STOMP_PORT
    dotnet "$COURIER_DLL" --amqp-address 127.0.0.1 --amqp-port "$COURIER_AMQP_PORT" \
        --mqtt-address 127.0.0.1 --mqtt-port "$COURIER_MQTT_PORT" \
        --mqtt-ws-address 127.0.0.1 --mqtt-ws-port "$COURIER_MQTT_WS_PORT" \
        --stomp-address 127.0.0.1 --stomp-port "$COURIER_STOMP_PORT" --stomp-ws-address 127.0.0.1 --stomp-ws-port 0 \
        --data-dir "$DATA_DIR" > "$BROKER_LOG" 2>&1 &
    BROKER_PID=$!
fi
export COURIER_AMQP_PORT COURIER_MQTT_PORT COURIER_MQTT_WS_PORT COURIER_STOMP_PORT

TESTS=("$HERE"/test_*.py)

# Wait (bounded, 30 s) until the AMQP port accepts connections.
broker_log_tail() {
    if [[ -n "$BROKER_LOG" && -f "$BROKER_LOG" ]]; then
        echo "--- broker log (tail) ---"
        tail -n 50 "$BROKER_LOG" || true
    fi
}
up=0
for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/$COURIER_HOST/$COURIER_AMQP_PORT") 2>/dev/null; then
        up=1
        break
    fi
    if [[ -n "$BROKER_PID" ]] && ! kill -0 "$BROKER_PID" 2>/dev/null; then
        echo "run.sh: the broker exited before accepting connections" >&2
        broker_log_tail >&2
        echo "0 passed, ${#TESTS[@]} failed"
        exit 1
    fi
    sleep 0.2
done
if (( up == 0 )); then
    echo "run.sh: nothing accepts connections on $COURIER_HOST:$COURIER_AMQP_PORT after 30 s" >&2
    broker_log_tail >&2
    echo "0 passed, ${#TESTS[@]} failed"
    exit 1
fi

passed=0
failed=0
failed_names=()
for t in "${TESTS[@]}"; do
    name="$(basename "$t" .py)"
    echo "=== $name"
    if timeout --kill-after=10 "$TEST_TIMEOUT" "$PY" "$t" 2>&1; then
        passed=$((passed + 1))
        echo "=== $name: PASS"
    else
        rc=$?
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "=== $name: FAIL (exit $rc)"
    fi
done

if (( failed > 0 )); then
    echo "failed: ${failed_names[*]}"
    broker_log_tail
fi
echo "$passed passed, $failed failed"
(( failed == 0 ))
