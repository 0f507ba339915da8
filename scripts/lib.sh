# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The header that tells whether hiredis's development files (libhiredis-dev) are installed.
HIREDIS_HEADER=/usr/include/hiredis/hiredis.h

# Installs what the project needs from Debian's packages, only if something is missing.
# Extra names may be passed: a command that its package of the same name provides (wrk), or
# COMMAND:PACKAGE when they differ (promtool:prometheus).
ensure_packages() {
    local missing=()
    [ -f "$HIREDIS_HEADER" ] || missing+=(libhiredis-dev)
    [ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
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

# A CA and a server certificate it signs for 127.0.0.1 and localhost, in $1 (ca.crt, ca.key,
# server.crt, server.key): for the TLS rows of the bench and `scripts/chaos --tls`.
make_tls_certs() {
    local dir=$1
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Anima Script CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null || die "openssl could not sign the test certificate"
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
