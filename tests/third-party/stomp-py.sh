#!/usr/bin/env bash
# Runs the broker-facing tests of stomp.py (https://github.com/jasonrbriggs/stomp.py, Python) against
# a Courier node started here with a fresh data directory (courier-node.sh), or, with
# STOMP_PY_BROKER=rabbitmq, against a private RabbitMQ with its STOMP and Web-STOMP plugins (the
# baseline), and prints pytest's counts. The checkout's stomp package is the one tested.
# CI cannot fetch the suite, so this is run by hand and the counts go in docs/compatibility.md.
#
#   tests/third-party/stomp-py.sh PATH_TO_STOMP_PY_CHECKOUT [pytest arguments]
#
# The suite is written for a container holding ActiveMQ (its "default" broker) and RabbitMQ; every
# broker it names is pointed at the one broker here, as its own environment variables allow
# (STD_*, RABBITMQ_*, RABBITMQ_WS_*: host, port, user guest, password guest). The files run are the
# ones that talk to a broker over plain TCP or WebSockets (FILES below); the SSL, IPv6, multicast,
# Artemis, ActiveMQ-only and stompserver files need the container and are left out. Two tests
# (test_basic's test_default_to_localhost and test_host_bind_port) connect to localhost:61613
# whatever the configuration says: they pass only when the broker tested listens there, which
# this script does when STOMP_PY_PORT=61613 and fails otherwise.
#
# Needs Debian's python3-pytest, python3-pytest-timeout, python3-pytest-mock, python3-docopt and
# python3-websocket (run with /usr/bin/python3). Env: STOMP_PY_BROKER=courier (default) or
# rabbitmq; STOMP_PY_PORT and STOMP_PY_WS_PORT (default: free ports); COURIER_SKIP_BUILD=1.
set -euo pipefail

SUITE=${1:?usage: $0 PATH_TO_STOMP_PY_CHECKOUT [pytest arguments]}
shift
SUITE=$(cd "$SUITE" && pwd)
[ -f "$SUITE/tests/testutils.py" ] && [ -d "$SUITE/stomp" ] || { echo "$SUITE is not a stomp.py checkout" >&2; exit 2; }
/usr/bin/python3 -c 'import pytest, pytest_timeout, pytest_mock, docopt, websocket' 2>/dev/null || {
    echo "needs: apt-get install -y python3-pytest python3-pytest-timeout python3-pytest-mock python3-docopt python3-websocket" >&2
    exit 2
}

FILES=(tests/test_basic.py tests/test_s10.py tests/test_s11.py tests/test_s12.py tests/test_context.py tests/test_misc.py
    tests/test_nonascii.py tests/test_rabbitmq.py tests/test_rabbitmq_ws.py tests/test_threading.py tests/test_override_threading.py
    tests/test_cli.py tests/test_ss.py tests/test_transport.py tests/test_utils.py)

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # port pid
    local i
    for ((i = 0; i < 600; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

STOMP_PORT=${STOMP_PY_PORT:-$(free_port)}
WS_PORT=${STOMP_PY_WS_PORT:-$(free_port)}
BROKER=${STOMP_PY_BROKER:-courier}
case "$BROKER" in
    courier)
        # The node's STOMP listeners on the ports chosen here (courier-node.sh reads these).
        COURIER_STOMP_PORT=$STOMP_PORT COURIER_STOMP_WS_PORT=$WS_PORT
        COURIER_AMQP_PORT=${COURIER_AMQP_PORT:-$(free_port)}
        # shellcheck source=courier-node.sh
        . "$(dirname "$0")/courier-node.sh"
        wait_port "$STOMP_PORT" "$BROKER_PID" || { cat "$WORK/broker.log" >&2; echo "Courier did not listen for STOMP on $STOMP_PORT" >&2; exit 1; }
        DESCRIPTION="Courier $(git -C "$ROOT" rev-parse --short HEAD)"
        ;;
    rabbitmq)
        # A private node: its own epmd, cookie, data and ports, all on loopback; stopped by pid on exit.
        WORK=$(mktemp -d)
        mkdir -p "$WORK/home" "$WORK/mnesia" "$WORK/log"
        echo '[rabbitmq_stomp,rabbitmq_web_stomp].' > "$WORK/enabled_plugins"
        printf 'listeners.tcp.1 = 127.0.0.1:%s\nstomp.listeners.tcp.1 = 127.0.0.1:%s\nweb_stomp.tcp.ip = 127.0.0.1\nweb_stomp.tcp.port = %s\n' \
            "$(free_port)" "$STOMP_PORT" "$WS_PORT" > "$WORK/rabbitmq.conf"
        EPMD_PORT=$(free_port)
        epmd -address 127.0.0.1 -port "$EPMD_PORT" > "$WORK/log/epmd.log" 2>&1 &
        EPMD_PID=$!
        env HOME="$WORK/home" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$EPMD_PORT" \
            RABBITMQ_NODENAME="stomp-py@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT="$(free_port)" \
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
            RABBITMQ_MNESIA_BASE="$WORK/mnesia" RABBITMQ_LOG_BASE="$WORK/log" RABBITMQ_PID_FILE="$WORK/rabbitmq.pid" \
            RABBITMQ_ENABLED_PLUGINS_FILE="$WORK/enabled_plugins" RABBITMQ_CONFIG_FILE="$WORK/rabbitmq" \
            /usr/lib/rabbitmq/bin/rabbitmq-server > "$WORK/broker.log" 2>&1 < /dev/null &
        BROKER_PID=$!
        rabbitmq_cleanup() {
            local pid
            for pid in "$BROKER_PID" "$(cat "$WORK/rabbitmq.pid" 2>/dev/null)" "$EPMD_PID"; do
                [ -n "$pid" ] && kill "$pid" 2>/dev/null && { timeout 30 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null || true; }
            done
            rm -rf "$WORK"
        }
        trap rabbitmq_cleanup EXIT
        for port in "$STOMP_PORT" "$WS_PORT"; do
            wait_port "$port" "$BROKER_PID" || { tail -30 "$WORK/broker.log" >&2; echo "RabbitMQ did not listen on $port" >&2; exit 1; }
        done
        DESCRIPTION="RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo '?') (rabbitmq_stomp, rabbitmq_web_stomp)"
        ;;
    *) echo "STOMP_PY_BROKER must be courier or rabbitmq, not $BROKER" >&2; exit 2 ;;
esac

export STD_HOST=127.0.0.1 STD_PORT=$STOMP_PORT STD_USER=guest STD_PASSWORD=guest
export RABBITMQ_HOST=127.0.0.1 RABBITMQ_PORT=$STOMP_PORT RABBITMQ_USER=guest RABBITMQ_PASSWORD=guest
export RABBITMQ_WS_HOST=127.0.0.1 RABBITMQ_WS_PORT=$WS_PORT

echo "# stomp.py $(git -C "$SUITE" rev-parse --short HEAD 2>/dev/null || echo '?') against $DESCRIPTION: STOMP on $STOMP_PORT, WebSockets on $WS_PORT"
status=0
(cd "$SUITE" && /usr/bin/python3 -m pytest "${FILES[@]}" -p no:cacheprovider --timeout=120 -q -rfEs "$@") || status=$?
exit "$status"
