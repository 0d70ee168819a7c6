# Helpers for the benchmark scripts that start brokers as their children (sourced, not run):
# stop one by pid, pick a free loopback port, wait for a port to answer.

stop_pid() { # pid [grace seconds]: SIGTERM, then SIGKILL after the grace period
    local pid=$1 grace=${2:-20} i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # port seconds pid: 0 once 127.0.0.1:port accepts, 1 if pid ends or time runs out
    local port=$1 seconds=$2 pid=$3 i
    for ((i = 0; i < seconds * 5; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.2
    done
    return 1
}
