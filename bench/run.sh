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
BENCH_NAME=bench
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CONNECTIONS="${BENCH_CONNECTIONS:-32}"
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
AUTH="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

start_edgeid() {
  local bin="${EDGEID_LOCAL_BIN:-}"
  if [ -z "$bin" ]; then
    echo "== building edgeid-local (release)"
    cargo build --release --quiet -p edgeid-local
    bin="$CARGO_TARGET_DIR/release/edgeid-local"
  fi
  start_edgeid_bin "$bin"
}

start_peer() {
  start_peer_as peer
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

machine "; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
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
