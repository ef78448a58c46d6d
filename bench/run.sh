#!/usr/bin/env bash
# Side-by-side benchmark: edgeid-local (release, memory store, ES256) vs node-oidc-provider
# 9.11.4 (bench/peer.mjs) on one machine, as planned in performance-and-security.md §C.
# Not a test: run it by hand (`bash bench/run.sh`) and read the table at the end.
#
# - each server pinned to core BENCH_SERVER_CORE (0), wrk (1 thread) pinned to BENCH_LOAD_CORE (1);
# - both servers run side by side (an idle server costs nothing) and the timed runs alternate
#   between them, so background noise hits both alike;
# - per endpoint and server: one warm-up, then BENCH_ROUNDS (3) runs of BENCH_DURATION (10) s
#   at BENCH_CONNECTIONS (32) keep-alive connections; the table shows the median run;
# - every endpoint is checked once before timing (bench/verify.mjs), and non-2xx and socket
#   errors are counted in every run.
# Environment: BENCH_SERVERS="edgeid peer" to pick servers, EDGEID_LOCAL_BIN to skip the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
source .ci/tools.sh

DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
WARMUP="${BENCH_WARMUP:-3}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
SERVER_CORE="${BENCH_SERVER_CORE:-0}"
LOAD_CORE="${BENCH_LOAD_CORE:-1}"
SERVERS="${BENCH_SERVERS:-edgeid peer}"
# HTTP/1.1 pipelining depths, each a pass over every endpoint and both servers (same depth for
# both): 16 = throughput (one wrk write carries 16 requests, so wrk's own per-request cost stops
# capping a fast server), 1 = one request in flight per connection (latency; wrk's p99 is only
# meaningful here — with pipelining it times whole batches and its coordinated-omission
# correction assumes one request per connection).
read -r -a PIPELINES <<<"${BENCH_PIPELINE:-16 1}"
# Connections of the pipelined passes: more requests in flight keep a fast server busy between
# wake-ups (on KVM a cross-core wake-up costs tens of µs; with 32 × 16 in flight edgeid idled at
# ~45 % of its core waiting for wrk and wrk for it). The pipelined passes let wrk wait 30 s for a
# response instead of 5 s: saturated with 64 × 16 requests in flight, node-oidc-provider answers
# a few connections only after 5+ s (they are answered, in order, not failed).
PIPELINE_CONNECTIONS="${BENCH_PIPELINE_CONNECTIONS:-64}"
read -r -a ENDPOINTS <<<"${BENCH_ENDPOINTS:-discovery jwks client_credentials introspection}"
# On a shared machine other processes steal the pinned cores. BENCH_PRIORITY=nice (default,
# root only; falls back to none) runs the servers and wrk at nice -10, which helps but cannot
# stop a server that sleeps between requests from waiting behind busy compilers: read the
# load average printed below and the "starved" flags of the table. (SCHED_FIFO was tried and
# stalls tokio's threads on one core: do not use chrt here.)
PRIORITY="${BENCH_PRIORITY:-nice}"
case "$PRIORITY" in
  nice) PRIO=(nice -n -10) ;;
  none) PRIO=() ;;
  *) echo "bench: BENCH_PRIORITY=$PRIORITY: expected nice or none" >&2; exit 2 ;;
esac
if [ "$PRIORITY" = nice ] && [ "$(nice -n -10 nice 2>/dev/null)" = "$(nice)" ]; then PRIORITY=none; PRIO=(); fi
CLIENT_ID="benchclient0000000001"
CLIENT_SECRET="bench-secret-8f3a2c91d7e54b6a9c0f1e2d3b4a5c6d"
RESOURCE="https://default.logto.app/api"
AUTH="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"

for tool in wrk taskset node python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (wrk: apt-get install -y wrk)" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgeid-bench.XXXXXX")"
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
      echo "bench: $1 exited during start-up; its log:" >&2
      cat "$WORK/$1.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "bench: $1 did not answer $2 within 10 s" >&2
  exit 1
}

cpu_seconds() { # pid -> utime+stime of the whole process (all threads), in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

start_edgeid() {
  local bin="${EDGEID_LOCAL_BIN:-}"
  if [ -z "$bin" ]; then
    echo "== building edgeid-local (release)"
    cargo build --release --quiet -p edgeid-local
    bin="$CARGO_TARGET_DIR/release/edgeid-local"
  fi
  local port
  port="$(free_port)"
  BASE[edgeid]="http://127.0.0.1:$port"
  EDGEID_STORE=memory EDGEID_PORT="$port" EDGEID_ENDPOINT="${BASE[edgeid]}" \
    EDGEID_SIGNING_ALG=ES256 EDGEID_BOOTSTRAP_CLIENT_ID="$CLIENT_ID" \
    EDGEID_BOOTSTRAP_CLIENT_SECRET="$CLIENT_SECRET" RUST_LOG=off EDGEID_LOG=off \
    "${PRIO[@]}" taskset -c "$SERVER_CORE" "$bin" >"$WORK/edgeid.log" 2>&1 &
  PID[edgeid]=$!
  wait_ready edgeid "${BASE[edgeid]}/oidc/.well-known/openid-configuration"
}

start_peer() {
  local port
  port="$(free_port)"
  BASE[peer]="http://127.0.0.1:$port"
  NODE_ENV=production "${PRIO[@]}" taskset -c "$SERVER_CORE" \
    node bench/peer.mjs "$port" "$CLIENT_ID" "$CLIENT_SECRET" "$RESOURCE" >"$WORK/peer.log" 2>&1 &
  PID[peer]=$!
  wait_ready peer "${BASE[peer]}/oidc/.well-known/openid-configuration"
}

# Per server: the four requests, as wrk environment (URL|METHOD|BODY|AUTH).
declare -A REQ=() KIND=()
prepare() { # name
  local name="$1" vars
  vars="$(node bench/verify.mjs "$name" "${BASE[$name]}" "$CLIENT_ID" "$CLIENT_SECRET" "$RESOURCE")"
  local TOKEN_URL INTROSPECTION_URL JWKS_URL INTROSPECT_TOKEN INTROSPECT_KIND
  eval "$vars"
  KIND[$name]="$INTROSPECT_KIND"
  REQ[$name,discovery]="${BASE[$name]}/oidc/.well-known/openid-configuration|GET||"
  REQ[$name,jwks]="$JWKS_URL|GET||"
  REQ[$name,client_credentials]="$TOKEN_URL|POST|grant_type=client_credentials&resource=$(printf %s "$RESOURCE" | sed 's/:/%3A/g; s#/#%2F#g')&scope=all|$AUTH"
  REQ[$name,introspection]="$INTROSPECTION_URL|POST|token=$INTROSPECT_TOKEN|$AUTH"
}

run_wrk() { # name endpoint seconds record(0/1) round depth
  local name="$1" endpoint="$2" seconds="$3" record="$4" round="$5" depth="$6"
  local url method body auth
  IFS='|' read -r url method body auth <<<"${REQ[$name,$endpoint]}"
  local before after out="$WORK/wrk.out" times="$WORK/wrk.times" connections="$CONNECTIONS" timeout=5s
  [ "$depth" = 1 ] || { connections="$PIPELINE_CONNECTIONS"; timeout=30s; }
  before="$(cpu_seconds "${PID[$name]}")"
  TIMEFORMAT='%U %S'
  { time WRK_METHOD="$method" WRK_BODY="$body" WRK_AUTH="$auth" WRK_PIPELINE="$depth" \
      "${PRIO[@]}" taskset -c "$LOAD_CORE" wrk -t1 -c"$connections" -d"${seconds}s" --timeout "$timeout" \
      -s bench/wrk.lua "$url" >"$out" 2>&1; } 2>"$times"
  after="$(cpu_seconds "${PID[$name]}")"
  [ "$record" = 1 ] || return 0
  local json wrk_cpu
  json="$(grep '^WRKJSON ' "$out" | sed 's/^WRKJSON //')" || { cat "$out" >&2; exit 1; }
  wrk_cpu="$(awk '{ print $1 + $2 }' "$times")"
  printf '{"server":"%s","endpoint":"%s","pipeline":%s,"connections":%s,"round":%s,"wrk_cpu_s":%s,"server_cpu_s":%s,%s\n' \
    "$name" "$endpoint" "$depth" "$connections" "$round" "$wrk_cpu" "$(awk -v a="$before" -v b="$after" 'BEGIN { print b - a }')" \
    "${json#\{}" >>"$RESULTS"
  printf '   %-7s %-19s depth %-2s round %s: %s\n' "$name" "$endpoint" "$depth" "$round" \
    "$(node -e 'const r=JSON.parse(process.argv[1]);console.log(`${Math.round(r.requests/(r.duration_us/1e6))} req/s, p99 ${(r.p99_us/1000).toFixed(2)} ms, non-2xx ${r.non2xx}, socket errors ${r.connect+r.read+r.write+r.timeout}`)' "$json")"
}

echo "== machine"
echo "   cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; kernel $(uname -r)"
echo "   $(rustc --version); node $(node --version); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg); servers and wrk at priority: $PRIORITY"
echo "   server on core $SERVER_CORE, wrk (1 thread; $CONNECTIONS connections, $PIPELINE_CONNECTIONS when pipelining) on core $LOAD_CORE;" \
  "warm-up ${WARMUP} s, then $ROUNDS × ${DURATION} s per endpoint, server and pipelining depth (${PIPELINES[*]}), alternating"

for name in $SERVERS; do
  "start_$name"
  prepare "$name"
  echo "== $name ready at ${BASE[$name]} (pid ${PID[$name]}); introspection token: ${KIND[$name]}"
done

echo "== warm-up"
for endpoint in "${ENDPOINTS[@]}"; do
  for name in $SERVERS; do run_wrk "$name" "$endpoint" "$WARMUP" 0 0 "${PIPELINES[0]}"; done
done
echo "== measured runs"
for round in $(seq 1 "$ROUNDS"); do
  for depth in "${PIPELINES[@]}"; do
    for endpoint in "${ENDPOINTS[@]}"; do
      for name in $SERVERS; do run_wrk "$name" "$endpoint" "$DURATION" 1 "$round" "$depth"; done
    done
  done
done
for name in $SERVERS; do
  echo "   $name RSS at end: $(awk '/VmRSS/ { print $2 / 1024 " MiB" }' "/proc/${PID[$name]}/status")"
done
echo "   load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== results (median of $ROUNDS runs; ratio = edgeid ÷ peer req/s)"
echo "   introspection: edgeid ${KIND[edgeid]:-n/a}; peer ${KIND[peer]:-n/a}"
node bench/report.mjs "$RESULTS"
echo "   raw results: $RESULTS"
