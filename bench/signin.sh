#!/usr/bin/env bash
# Issue 5 item 8, beside bench/run.sh: (1) Argon2id password verifications per second per core
# — the real `domain::password::verify` in a release binary (bench/src/bin/argon2.rs), and the
# peer's npm `argon2` at the same parameters (bench/argon2.mjs); (2) full authorization-code +
# PKCE flows per second, edgeid-local (sign-in through the Experience API, Logto's hops) against
# node-oidc-provider 9.11.4 with a scripted interaction (bench/peer.mjs), one scripted client
# (bench/flow.mjs), both servers side by side, runs alternating; and the same flow for a browser
# that is already signed in (SSO: no password, no sign-in page), the protocol work alone.
#
# - servers pinned to core BENCH_SERVER_CORE (0), the client (Node, CONCURRENCY virtual users)
#   to BENCH_LOAD_CORE (1); nice -10 when run as root;
# - both servers verify the same Argon2id parameters (edgeid's `PARAMS`), one account each;
# - per server: one warm-up of BENCH_WARMUP (3) s, then BENCH_ROUNDS (3) × BENCH_DURATION (10) s;
#   the table shows the median run; CPU per flow comes from the server process's utime+stime.
# Not a test: run it by hand (`bash bench/signin.sh`) and read the tables at the end.
# Environment: BENCH_SERVERS="edgeid peer" (flows), EDGEID_LOCAL_BIN + EDGEID_ARGON2_BIN to skip
# the build, BENCH_DURATION, BENCH_ROUNDS, BENCH_WARMUP, BENCH_CONCURRENCY.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
source .ci/tools.sh

DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
WARMUP="${BENCH_WARMUP:-3}"
CONCURRENCY="${BENCH_CONCURRENCY:-8}"
# Signed-in (SSO) flows need no password: more users keep both sides busy.
SSO_CONCURRENCY="${BENCH_SSO_CONCURRENCY:-32}"
SERVER_CORE="${BENCH_SERVER_CORE:-0}"
LOAD_CORE="${BENCH_LOAD_CORE:-1}"
SERVERS="${BENCH_SERVERS:-edgeid peer}"
PRIO=(nice -n -10)
if [ "$(nice -n -10 nice 2>/dev/null)" = "$(nice)" ]; then PRIO=(); fi
CLIENT_ID="benchclient0000000001"
CLIENT_SECRET="bench-secret-8f3a2c91d7e54b6a9c0f1e2d3b4a5c6d"
USERNAME_="benchuser"
PASSWORD_="correct horse battery staple"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgeid-signin.XXXXXX")"
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
      echo "signin: $1 exited during start-up; its log:" >&2
      cat "$WORK/$1.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "signin: $1 did not answer $2 within 10 s" >&2
  exit 1
}

if [ -z "${EDGEID_LOCAL_BIN:-}" ] || [ -z "${EDGEID_ARGON2_BIN:-}" ]; then
  echo "== building edgeid-local and edgeid-bench-argon2 (release)"
  cargo build --release --quiet -p edgeid-local -p edgeid-bench
fi
LOCAL_BIN="${EDGEID_LOCAL_BIN:-$CARGO_TARGET_DIR/release/edgeid-local}"
ARGON2_BIN="${EDGEID_ARGON2_BIN:-$CARGO_TARGET_DIR/release/edgeid-bench-argon2}"
ARGON2_PARAMS="$("$ARGON2_BIN" --params)"

echo "== machine"
echo "   cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; kernel $(uname -r)"
echo "   $(rustc --version); node $(node --version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   Argon2id parameters (edgeid's domain::password::PARAMS, m KiB / t / p): $ARGON2_PARAMS"

echo "== password verifications per core (pinned to core $SERVER_CORE, ${DURATION} s each, alternating)"
for round in $(seq 1 "$ROUNDS"); do
  line="$("${PRIO[@]}" taskset -c "$SERVER_CORE" "$ARGON2_BIN" "$DURATION" | grep '^ARGON2JSON ' | sed 's/^ARGON2JSON //')"
  echo "{\"kind\":\"argon2\",\"server\":\"edgeid\",\"round\":$round,${line#\{}" >>"$RESULTS"
  echo "   edgeid (RustCrypto argon2, domain::password::verify) round $round: $line"
  line="$("${PRIO[@]}" taskset -c "$SERVER_CORE" node bench/argon2.mjs "$ARGON2_PARAMS" "$DURATION" | grep '^ARGON2JSON ' | sed 's/^ARGON2JSON //')"
  echo "{\"kind\":\"argon2\",\"server\":\"peer\",\"round\":$round,${line#\{}" >>"$RESULTS"
  echo "   peer (npm argon2, reference C) round $round: $line"
done

# edgeid: memory store, the bootstrap admin client creates the account through the Management API.
port="$(free_port)"
BASE[edgeid]="http://127.0.0.1:$port"
EDGEID_STORE=memory EDGEID_PORT="$port" EDGEID_ENDPOINT="${BASE[edgeid]}" EDGEID_SIGNING_ALG=ES256 \
  EDGEID_BOOTSTRAP_CLIENT_ID="$CLIENT_ID" EDGEID_BOOTSTRAP_CLIENT_SECRET="$CLIENT_SECRET" \
  RUST_LOG=off EDGEID_LOG=off "${PRIO[@]}" taskset -c "$SERVER_CORE" "$LOCAL_BIN" >"$WORK/edgeid.log" 2>&1 &
PID[edgeid]=$!
wait_ready edgeid "${BASE[edgeid]}/oidc/.well-known/openid-configuration"
admin_token="$(curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" \
  --data-urlencode grant_type=client_credentials --data-urlencode resource=https://default.logto.app/api \
  --data-urlencode scope=all "${BASE[edgeid]}/oidc/token" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))')"
curl -fsS -o /dev/null -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
  --data "$(node -e 'console.log(JSON.stringify({username: process.argv[1], password: process.argv[2]}))' "$USERNAME_" "$PASSWORD_")" \
  "${BASE[edgeid]}/api/users" || { echo "signin: could not create the account on edgeid" >&2; exit 1; }

port="$(free_port)"
BASE[peer]="http://127.0.0.1:$port"
PEER_FLOW_USERNAME="$USERNAME_" PEER_FLOW_PASSWORD="$PASSWORD_" PEER_FLOW_ARGON2="$ARGON2_PARAMS" \
  NODE_ENV=production "${PRIO[@]}" taskset -c "$SERVER_CORE" \
  node bench/peer.mjs "$port" "$CLIENT_ID" "$CLIENT_SECRET" https://default.logto.app/api >"$WORK/peer.log" 2>&1 &
PID[peer]=$!
wait_ready peer "${BASE[peer]}/oidc/.well-known/openid-configuration"

run_flows() { # name seconds record round mode
  local name="$1" seconds="$2" record="$3" round="$4" mode="$5" line users="$CONCURRENCY"
  [ "$mode" = signin ] || users="$SSO_CONCURRENCY"
  line="$("${PRIO[@]}" taskset -c "$LOAD_CORE" node bench/flow.mjs "$name" "${BASE[$name]}" "${PID[$name]}" \
    "$USERNAME_" "$PASSWORD_" "$seconds" "$users" "$mode" | grep '^FLOWJSON ' | sed 's/^FLOWJSON //')" ||
    { echo "signin: the $name flow failed (see above)" >&2; exit 1; }
  [ "$record" = 1 ] || return 0
  echo "{\"kind\":\"flow\",\"round\":$round,${line#\{}" >>"$RESULTS"
  echo "   $name $mode round $round: $(node -e 'const r=JSON.parse(process.argv[1]);console.log(`${(r.flows/r.seconds).toFixed(1)} flows/s, ${(1e3*r.server_cpu_s/r.flows).toFixed(2)} ms server CPU/flow, failures ${r.failures}, client CPU ${(100*r.client_cpu_s/r.seconds).toFixed(0)} %`)' "$line")"
}

echo "== flows on core $LOAD_CORE: sign-in ($CONCURRENCY virtual users) and signed-in/SSO ($SSO_CONCURRENCY);" \
  "warm-up ${WARMUP} s, then $ROUNDS × ${DURATION} s per server and kind, alternating"
for mode in signin sso; do
  for name in $SERVERS; do run_flows "$name" "$WARMUP" 0 0 "$mode"; done
done
for round in $(seq 1 "$ROUNDS"); do
  for mode in signin sso; do
    for name in $SERVERS; do run_flows "$name" "$DURATION" 1 "$round" "$mode"; done
  done
done
echo "   load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== results (median of $ROUNDS runs)"
node bench/signin-report.mjs "$RESULTS"
echo "   raw results: $RESULTS"
