# Shared by bench/run.sh and bench/signin.sh (source it after setting BENCH_NAME): the tools, the
# knobs both read, priority, the work directory and cleanup, free ports, start-up waits, CPU
# accounting, and the bootstrap credentials both servers are started with.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
source .ci/tools.sh

DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
WARMUP="${BENCH_WARMUP:-3}"
SERVER_CORE="${BENCH_SERVER_CORE:-0}"
LOAD_CORE="${BENCH_LOAD_CORE:-1}"
CLIENT_ID="benchclient0000000001"
CLIENT_SECRET="bench-secret-8f3a2c91d7e54b6a9c0f1e2d3b4a5c6d"
RESOURCE="https://default.logto.app/api"

# On a shared machine other processes steal the pinned cores. BENCH_PRIORITY=nice (default,
# root only; falls back to none) runs the servers and the load at nice -10, which helps but
# cannot stop a server that sleeps between requests from waiting behind busy compilers: read
# the load average printed and the "starved" flags of the tables. (SCHED_FIFO was tried and
# stalls tokio's threads on one core: do not use chrt here.)
PRIORITY="${BENCH_PRIORITY:-nice}"
case "$PRIORITY" in
  nice) PRIO=(nice -n -10) ;;
  none) PRIO=() ;;
  *) echo "$BENCH_NAME: BENCH_PRIORITY=$PRIORITY: expected nice or none" >&2; exit 2 ;;
esac
if [ "$PRIORITY" = nice ] && [ "$(nice -n -10 nice 2>/dev/null)" = "$(nice)" ]; then PRIORITY=none; PRIO=(); fi

for tool in taskset node python3 curl; do
  command -v "$tool" >/dev/null || { echo "$BENCH_NAME: $tool is missing" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgeid-$BENCH_NAME.XXXXXX")"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
declare -A PID=() BASE=()
cleanup() {
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_ready() { # name url
  for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
    if ! kill -0 "${PID[$1]}" 2>/dev/null; then
      echo "$BENCH_NAME: $1 exited during start-up; its log:" >&2
      cat "$WORK/$1.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "$BENCH_NAME: $1 did not answer $2 within 10 s" >&2
  exit 1
}

cpu_seconds() { # pid -> utime+stime of the whole process (all threads), in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

machine() { # extra words for the first line
  echo "== machine"
  echo "   cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; kernel $(uname -r)"
  echo "   $(rustc --version); node $(node --version)$*"
  echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg); servers and load at priority: $PRIORITY"
}

# edgeid-local from $1 as server `name` (default edgeid): memory store, ES256, the bench's
# bootstrap M2M app, no logging, pinned and prioritised like every server here.
start_edgeid_bin() { # binary [name]
  local bin="$1" name="${2:-edgeid}" port
  port="$(free_port)"
  BASE[$name]="http://127.0.0.1:$port"
  EDGEID_STORE=memory EDGEID_PORT="$port" EDGEID_ENDPOINT="${BASE[$name]}" \
    EDGEID_SIGNING_ALG=ES256 EDGEID_BOOTSTRAP_CLIENT_ID="$CLIENT_ID" \
    EDGEID_BOOTSTRAP_CLIENT_SECRET="$CLIENT_SECRET" RUST_LOG=off EDGEID_LOG=off \
    "${PRIO[@]}" taskset -c "$SERVER_CORE" "$bin" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  wait_ready "$name" "${BASE[$name]}/oidc/.well-known/openid-configuration"
}

# bench/peer.mjs as server `name` (extra environment before the command via `env`).
start_peer_as() { # name [VAR=value ...]
  local name="$1" port
  shift
  port="$(free_port)"
  BASE[$name]="http://127.0.0.1:$port"
  env "$@" NODE_ENV=production "${PRIO[@]}" taskset -c "$SERVER_CORE" \
    node bench/peer.mjs "$port" "$CLIENT_ID" "$CLIENT_SECRET" "$RESOURCE" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  wait_ready "$name" "${BASE[$name]}/oidc/.well-known/openid-configuration"
}
