# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs what the project needs from Debian's packages, only if something is missing.
# Extra names may be passed: a command that its package of the same name provides (wrk), or
# COMMAND:PACKAGE when they differ (promtool:prometheus).
ensure_packages() {
    local missing=()
    [ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    local extra
    for extra in "$@"; do
        command -v "${extra%%:*}" >/dev/null 2>&1 || missing+=("${extra#*:}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
    fi
    command -v swift >/dev/null 2>&1 || die "swift is not on PATH (Swift 6.2 or newer is needed)"
}

# True when something listens on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits up to $2 seconds (default 10) for 127.0.0.1:$1 to accept connections.
wait_for_port() {
    local port=$1 limit=${2:-10} waited=0
    until port_in_use "$port"; do
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt $((limit * 10)) ] || return 1
    done
}

# Starts redis-server on port $1 with its files in directory $2 (extra args follow);
# sets REDIS_PID. The server is exec'd so that the PID is the server itself.
start_redis() {
    local port=$1 dir=$2
    shift 2
    mkdir -p "$dir"
    port_in_use "$port" && die "port $port is already in use; stop what listens there or choose another port"
    (cd "$dir" && exec redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" "$@" >"$dir/redis.log" 2>&1) &
    REDIS_PID=$!
    wait_for_port "$port" 10 || die "redis-server did not start on port $port (see $dir/redis.log)"
}

# Stops a process by PID: SIGTERM, up to $2 seconds (default 10), then SIGKILL.
stop_pid() {
    local pid=$1 limit=${2:-10} waited=0
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
        waited=$((waited + 1))
        if [ "$waited" -ge $((limit * 10)) ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
    done
    wait "$pid" 2>/dev/null || true
}
